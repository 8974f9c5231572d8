package session

// Journal record types of people watching a session through `handrail
// serve` (docs/serve.md). The engine ignores them: watching changes nothing
// a session does, and a replayed engine is the same with or without them.
const (
	EvWatchJoin  = "watch.join"
	EvWatchLeave = "watch.leave"
)

// WatchData is watch.join's and watch.leave's data: who, from where (the
// SSH client address), and in which role they watch.
type WatchData struct {
	Who  Operator `json:"who"`
	Role string   `json:"role"`
}
