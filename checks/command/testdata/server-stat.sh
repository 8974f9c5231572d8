#!/bin/sh
# Stand-in for Terracotta's bin/server-stat.sh -s host:port, printing the
# documented `host.key: value` lines. FAKE_TC_STATE picks the server's state:
# ACTIVE (default), PASSIVE-STANDBY, PASSIVE-UNINITIALIZED or FAILED.
host=localhost
if [ "$1" = "-s" ] && [ -n "$2" ]; then host=${2%%:*}; fi
case "${FAKE_TC_STATE:-ACTIVE}" in
ACTIVE)
	printf '%s.health: OK\n%s.role: ACTIVE\n%s.state: ACTIVE-COORDINATOR\n%s.port: 9540\n%s.group name: default\n' \
		"$host" "$host" "$host" "$host" "$host" ;;
PASSIVE-STANDBY|PASSIVE-UNINITIALIZED)
	printf '%s.health: OK\n%s.role: PASSIVE\n%s.state: %s\n%s.port: 9540\n%s.group name: default\n' \
		"$host" "$host" "$host" "$FAKE_TC_STATE" "$host" "$host" ;;
FAILED)
	printf '%s.health: FAILED\n' "$host"
	echo "Connection refused to $host:9540" >&2
	exit 1 ;;
esac
