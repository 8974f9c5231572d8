package mysql

import (
	"slices"
	"testing"
)

// TestNamesMapsEachColumnSetOnce: a Prober maps a column set once per
// expectation set; the next poll's identical columns get the same names
// without mapping them again, and a server that changed vocabulary gets
// its columns mapped afresh.
func TestNamesMapsEachColumnSetOnce(t *testing.T) {
	var ns namers
	expect := []string{"Slave_IO_Running", "Seconds_Behind_Master"}
	first := ns.get(expect).names(slices.Clone(replicaColumns))
	if !slices.Contains(first, "Slave_IO_Running") || slices.Contains(first, "Replica_IO_Running") {
		t.Fatalf("the check's spelling is not used: %v", first)
	}
	again := ns.get(slices.Clone(expect)).names(slices.Clone(replicaColumns))
	if &again[0] != &first[0] {
		t.Error("the same columns were mapped again")
	}
	// The server was upgraded back to the other vocabulary.
	old := ns.get(expect).names(slices.Clone(slaveColumns))
	if &old[0] == &first[0] || !slices.Equal(old, slaveColumns) {
		t.Errorf("a new column set was not mapped afresh: %v", old)
	}
	// Another check spells them the new way: its own names.
	other := ns.get([]string{"Replica_IO_Running"}).names(slices.Clone(slaveColumns))
	if !slices.Contains(other, "Replica_IO_Running") {
		t.Errorf("another expectation set shares the first's names: %v", other)
	}
	if got := ns.get(nil).names(replicaColumns); &got[0] != &replicaColumns[0] {
		t.Error("with no expectations the server's names are not used as they are")
	}
}

// BenchmarkColumnNames: naming a replica status row's columns on each poll,
// as a Prober does (mapped once, then compared).
func BenchmarkColumnNames(b *testing.B) {
	var ns namers
	expect := []string{"Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master", "Last_IO_Errno"}
	cols := slices.Clone(replicaColumns)
	b.ReportAllocs()
	for b.Loop() {
		_ = ns.get(expectFieldsOf(expect)).names(cols)
	}
}

func expectFieldsOf(e []string) []string { return slices.Clone(e) }
