// Package bindtest holds the tests that run a bound runbook for real: its
// shell lines in sh (through the command probe) and its statements in a
// real MariaDB (internal/mariadbtest), to prove that a parameter value
// never becomes code. It has no code of its own.
package bindtest
