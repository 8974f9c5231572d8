#!/usr/bin/env bash
# The one command that passes every test on a fresh machine:
#   ./scripts/test.sh
# It installs what the tests need when it is missing (MariaDB server, tmux,
# asciinema and the OpenSSH client and server, from Debian's packages), then vets,
# builds and runs every test, including
# the MariaDB replication integration tests, the tmux end-to-end tests and a
# short fuzz run of the runbook loader.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v asciinema >/dev/null 2>&1 || need+=(asciinema)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
# The OpenSSH server is installed beside the client, as the tools a serve
# deployment uses; no test needs its daemon (serve is its own SSH server),
# so a failure to install it is said and passed over.
want=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || want+=(openssh-server)
if [ ${#need[@]} -gt 0 ] || [ ${#want[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} ${want[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    if [ ${#need[@]} -gt 0 ]; then
      echo "test.sh: ${need[*]} missing and not root: run 'sudo apt-get update && sudo apt-get install -y ${need[*]}'" >&2
      exit 2
    fi
    echo "test.sh: ${want[*]} missing and not root: skipped (no test needs it)"
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if [ ${#need[@]} -gt 0 ]; then
      apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    if [ ${#want[@]} -gt 0 ]; then
      apt-get install -y -qq "${want[@]}" >/dev/null || echo "test.sh: ${want[*]} could not be installed (no test needs it): going on"
    fi
  fi
fi
export PATH="$PATH:/usr/sbin:/usr/local/go/bin"

echo "test.sh: go vet"
go vet ./...
# Lint is optional: it runs when golangci-lint is installed, else it is skipped.
if command -v golangci-lint >/dev/null || [ -x "$HOME/go/bin/golangci-lint" ]; then
  echo "test.sh: golangci-lint"
  lint=$(command -v golangci-lint || echo "$HOME/go/bin/golangci-lint")
  "$lint" run ./...
else
  echo "test.sh: golangci-lint not installed, skipped (go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.6.2)"
fi
echo "test.sh: go build"
go build -o handrail .
echo "test.sh: go test"
go test -count=1 -timeout 40m ./...
echo "test.sh: fuzz the runbook loader"
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s ./steps
echo "test.sh: fuzz plain mode's input"
go test -run '^$' -fuzz '^FuzzPlainInput$' -fuzztime 10s ./steps/plain
echo "test.sh: fuzz journal lines (what verify and report read)"
go test -run '^$' -fuzz '^FuzzJournalLine$' -fuzztime 12s ./steps/journal
echo "test.sh: all tests passed"
