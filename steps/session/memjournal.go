package session

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// MemoryJournal keeps records in memory, for tests and for UIs that
// preview a session. It numbers records from 1 like the file journal;
// it does not hash them.
type MemoryJournal struct {
	// Clock stamps records (default time.Now).
	Clock func() time.Time
	// FailAfter, when > 0, makes every append after that many fail, to test
	// that a failed append leaves the engine's state unchanged.
	FailAfter int

	mu      sync.Mutex
	records []journal.Record
}

// Append records one event.
func (m *MemoryJournal) Append(typ string, data any) (journal.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailAfter > 0 && len(m.records) >= m.FailAfter {
		return journal.Record{}, fmt.Errorf("memory journal: append %s: disk full (simulated)", typ)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return journal.Record{}, fmt.Errorf("memory journal: %w", err)
	}
	now := time.Now
	if m.Clock != nil {
		now = m.Clock
	}
	// Seqs count up from 1 with no gaps: the next one follows the last.
	seq := uint64(1)
	if n := len(m.records); n > 0 {
		seq = m.records[n-1].Seq + 1
	}
	rec := journal.Record{Seq: seq, Time: now().UTC(), Type: typ, Data: raw}
	m.records = append(m.records, rec)
	return rec, nil
}

// Records returns a copy of the records so far.
func (m *MemoryJournal) Records() []journal.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]journal.Record(nil), m.records...)
}
