#!/bin/sh
# Stand-in for Terracotta's bin/server-stat.sh -s host[:port][,host[:port]...]
# (no Terracotta server runs here). It prints what ServerStat.java in
# Terracotta-OSS terracotta-core (deploy/src/main/java/com/tc/server/util/)
# prints: per server a block of `<id>.health/role/state/port/group name`
# lines and an empty line.
#
#   FAKE_TC_REVISION  rest (default): the 4.2/4.3 REST client. A running
#                       server is keyed by its name (FAKE_TC_NAME, else the
#                       -s host); a stopped one by the -s host, every field
#                       "unknown", an `.error` line; exit 0 (commit c43c5bd58e).
#                     jmx: the 4.0/4.1 JMX client: keyed by the -s host,
#                       `jmxport`, a stopped server's health is FAILED; exit 0
#                       (commit f7d297e991).
#                     retry: a later 4.x: `initialState` too; a stopped server
#                       makes it give up after its retries: the exception on
#                       stderr, exit 1, no block.
#   FAKE_TC_STATE     ACTIVE (default), PASSIVE-STANDBY, PASSIVE-UNINITIALIZED,
#                     STOPPED (FAILED is read as STOPPED).
#   FAKE_TC_NAME      the server's name (tc-config <server name=...>).
#   FAKE_TC_GROUP     its mirror-group name (default "default").
list=localhost:9540
if [ "$1" = "-s" ] && [ -n "$2" ]; then list=$2; fi
rev=${FAKE_TC_REVISION:-rest}
state=${FAKE_TC_STATE:-ACTIVE}
[ "$state" = FAILED ] && state=STOPPED
group=${FAKE_TC_GROUP:-default}
IFS=,
for a in $list; do
	host=${a%%:*} port=${a#*:}
	[ "$port" = "$a" ] && port=9540
	if [ "$state" = STOPPED ]; then
		case $rev in
		retry)
			echo "Exception in thread \"main\" java.io.IOException: Unable to get status for $host:$port after 10 tries" >&2
			exit 1 ;;
		jmx)
			printf '%s.health: FAILED\n%s.role: unknown\n%s.state: unknown\n%s.jmxport: %s\n%s.group name: unknown\n%s.error: Failed to connect to %s:%s. Connection refused\n\n\n' \
				"$host" "$host" "$host" "$host" "$port" "$host" "$host" "$host" "$port" ;;
		*)
			printf '%s.health: unknown\n%s.role: unknown\n%s.state: unknown\n%s.port: %s\n%s.group name: unknown\n%s.error: Connection refused to %s:%s. Is the TSA running?\n\n' \
				"$host" "$host" "$host" "$host" "$port" "$host" "$host" "$host" "$port" ;;
		esac
		continue
	fi
	case $state in
	ACTIVE) role=ACTIVE st=ACTIVE-COORDINATOR ;;
	*) role=PASSIVE st=$state ;;
	esac
	id=${FAKE_TC_NAME:-$host}
	case $rev in
	jmx)
		printf '%s.health: OK\n%s.role: %s\n%s.state: %s\n%s.jmxport: %s\n%s.group name: %s\n\n\n' \
			"$host" "$host" "$role" "$host" "$st" "$host" "$port" "$host" "$group" ;;
	retry)
		printf '%s.health: OK\n%s.role: %s\n%s.initialState: %s\n%s.state: %s\n%s.port: %s\n%s.group name: %s\n\n' \
			"$id" "$id" "$role" "$id" "$st" "$id" "$st" "$id" "$port" "$id" "$group" ;;
	*)
		printf '%s.health: OK\n%s.role: %s\n%s.state: %s\n%s.port: %s\n%s.group name: %s\n\n' \
			"$id" "$id" "$role" "$id" "$st" "$id" "$port" "$id" "$group" ;;
	esac
done
