// Package session is handrail's session engine: a plain state machine that
// walks an operator through a runbook's steps, holds each check's latest
// result, decides when the gate to the next step is open, and records every
// event in the journal before it counts as done.
//
// The engine is event-sourced. Every operation (Next, Override, Tick, …)
// validates its input, appends a journal record, waits for the append (which
// fsyncs), and only then changes state by applying that same record. Replay
// applies the records of a journal to a fresh engine, so a replayed engine is
// in exactly the state the live one was in. The one thing not journaled on
// every change is the stream of poll results: a check's result is journaled
// only when its status or pass/fail changes, and a resumed session drops all
// results and re-runs every check.
//
// The engine has no goroutines and no locks: one goroutine owns it (the TUI's
// Update loop, or plain mode's select loop). Probes run elsewhere (see
// Runner) and are fed in with Observe.
//
// See docs/engine.md for the states, the gate rule, the override rules and
// the resume rules.
package session
