package journal

// CastTime is where a journal record falls in the session's recordings:
// Part indexes the parts RecordingsOf returns (-1 when the console run the
// record belongs to was not recorded) and At is the time in that part's
// file, in seconds (the time of the marker handrail wrote for it).
type CastTime struct {
	Part int
	At   float64
}

// CastTimes places every record in the recordings, record by record. A
// console run begins with session.start, or with the journal.repair and
// session.resume that a resume journals; its records belong to the part
// whose recording.start it holds (journaled right after session.start or
// session.resume).
func CastTimes(recs []Record) []CastTime {
	parts, _, _, _ := RecordingsOf(recs)
	index := map[string]int{}
	for i, p := range parts {
		index[p.File] = i
	}
	// The run of every record, and the part of every run.
	runOf := make([]int, len(recs))
	partOf := map[int]int{}
	run := 0
	for i, r := range recs {
		switch r.Type {
		case "journal.repair":
			run++
		case "session.resume":
			if i == 0 || recs[i-1].Type != "journal.repair" {
				run++
			}
		case TypeRecordingStart:
			var d RecordingStart
			if r.Decode(&d) == nil {
				if k, ok := index[d.File]; ok {
					partOf[run] = k
				}
			}
		}
		runOf[i] = run
	}
	out := make([]CastTime, len(recs))
	for i, r := range recs {
		k, ok := partOf[runOf[i]]
		if !ok {
			out[i] = CastTime{Part: -1}
			continue
		}
		at := r.Time.Sub(parts[k].Started).Seconds()
		if at < 0 {
			at = 0
		}
		out[i] = CastTime{Part: k, At: at}
	}
	return out
}
