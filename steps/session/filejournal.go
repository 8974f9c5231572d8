package session

import (
	"github.com/handrail/handrail/steps/journal"
)

// FileJournal adapts the file journal to the engine: journal.Create writes
// a journal's first record itself, so the first Append (session.start)
// creates the file and later ones append. For a resumed session set W to
// the writer journal.Open returned.
type FileJournal struct {
	Path string
	Opts []journal.Option
	W    *journal.Writer
}

// Append creates the journal on first use, then appends (fsynced).
func (f *FileJournal) Append(typ string, data any) (journal.Record, error) {
	if f.W == nil {
		w, rec, err := journal.Create(f.Path, typ, data, f.Opts...)
		if err != nil {
			return journal.Record{}, err
		}
		f.W = w
		return rec, nil
	}
	return f.W.Append(typ, data)
}

// Close releases the journal's lock.
func (f *FileJournal) Close() error {
	if f.W == nil {
		return nil
	}
	return f.W.Close()
}
