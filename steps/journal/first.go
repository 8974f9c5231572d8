package journal

import (
	"errors"
	"fmt"
)

// errFirst ends a scan once the first record is read.
var errFirst = errors.New("first record read")

// ReadFirstRecord reads and checks a journal's first record only (who
// started which runbook, and how), without reading the rest.
func ReadFirstRecord(path string) (Record, error) {
	var first Record
	got := false
	res, err := ScanFile(path, func(r Record) error {
		first, got = r, true
		first.Data = append([]byte(nil), r.Data...)
		return errFirst
	})
	if err != nil && !errors.Is(err, errFirst) {
		return Record{}, err
	}
	if !got {
		return Record{}, fmt.Errorf("journal %s holds no intact first record: %s", path, res.Problem)
	}
	return first, nil
}
