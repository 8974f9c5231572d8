package mysql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestReplicaReadsAtMostMaxRows: a server with more replication
// connections than a probe reads keeps MaxRows of them and fails with the
// count, instead of reading them all.
func TestReplicaReadsAtMostMaxRows(t *testing.T) {
	prim, _ := probers(t)
	db := pair.AdminDB(pair.Primary)
	t.Cleanup(func() { db.Close() })
	ctx := ctxT(t, 60*time.Second)
	n := checks.MaxRows + 1
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("cap%02d", i)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CHANGE MASTER '%s' TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='x'", name, 20000+i)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := db.Exec(fmt.Sprintf("RESET SLAVE '%s' ALL", name)); err != nil {
				t.Errorf("cleanup %s: %v", name, err)
			}
		})
	}
	obs := prim.Replica(ctx, checks.Check{Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("No")}}})
	if len(obs.Rows) != checks.MaxRows {
		t.Errorf("kept %d rows, want %d", len(obs.Rows), checks.MaxRows)
	}
	if want := fmt.Sprintf("returned %d replication rows; handrail reads at most %d", n, checks.MaxRows); !strings.Contains(obs.Error, want) {
		t.Errorf("error %q lacks %q", obs.Error, want)
	}
	if v := checks.Evaluate(checks.Check{Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("No")}}}, obs); v.Pass {
		t.Error("a check passed on rows it did not read")
	}
}

// TestValueCutWhileRead: a 1 MiB value is cut as it is read, and says so.
func TestValueCutWhileRead(t *testing.T) {
	_, rep := probers(t)
	obs := rep.Query(ctxT(t, 10*time.Second), checks.Check{Query: "SELECT REPEAT('x', 1048576) AS big"})
	if obs.Error != "" {
		t.Fatal(obs.Error)
	}
	f, _ := obs.Rows[0].Get("big")
	want := fmt.Sprintf("… [truncated: %d bytes]", 1<<20-checks.ProbeValueBytes)
	if !strings.HasSuffix(f.Value, want) || len(f.Value) != checks.ProbeValueBytes+len(want) {
		t.Errorf("value of %d bytes ending %q, want %d bytes of text then %q", len(f.Value), f.Value[max(0, len(f.Value)-40):], checks.ProbeValueBytes, want)
	}
}
