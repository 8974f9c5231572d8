package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/mysql"
	"github.com/handrail/handrail/internal/mariadbtest"
)

var update = flag.Bool("update", false, "capture the replica status fixture again from the real MariaDB replica")

var pair *mariadbtest.Pair

func TestMain(m *testing.M) { os.Exit(mariadbtest.RunMain(m, &pair)) }

// TestFixtureIsARealReplicaStatus polls the real MariaDB replica the tests
// start with the mysql.replica probe and requires the fixture the generator
// writes into every check.status to have the same rows and columns, in the
// same order (the values differ from run to run). With -update it captures
// the fixture again.
func TestFixtureIsARealReplicaStatus(t *testing.T) {
	db := pair.AdminDB(pair.Replica)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := pair.WaitReplicating(ctx, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	obs := mysql.NewProber(db).Replica(ctx, replicaCheck("io", "Slave_IO_Running", "Yes"))
	if obs.Error != "" || len(obs.Rows) != 1 {
		t.Fatalf("replica status: %+v", obs)
	}
	obs.At, obs.Latency = time.Time{}, 0
	path := filepath.Join("testdata", "replica-status.json")
	if *update {
		b, err := json.MarshalIndent(obs, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixture, err := loadFixture(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixture.Rows) != len(obs.Rows) || len(fixture.Rows[0].Fields) != len(obs.Rows[0].Fields) {
		t.Fatalf("fixture has %d rows of %d fields; the replica answers %d of %d: run with -update", len(fixture.Rows), len(fixture.Rows[0].Fields), len(obs.Rows), len(obs.Rows[0].Fields))
	}
	for i, f := range obs.Rows[0].Fields {
		if fixture.Rows[0].Fields[i].Name != f.Name {
			t.Fatalf("field %d: fixture %s, replica %s: run with -update", i, fixture.Rows[0].Fields[i].Name, f.Name)
		}
	}
	if v := checks.Evaluate(replicaCheck("io", "Slave_IO_Running", "Yes"), fixture); !v.Pass {
		t.Fatalf("the fixture is not a running replica: %+v", v)
	}
}
