//go:build !linux

package proc

// Identify cannot tell processes apart here: there is no /proc.
func Identify(int) (uint64, string, bool) { return 0, "", false }

// BootID is unknown here.
func BootID() string { return "" }

// liveMember cannot list a group's processes here.
func liveMember(int) (alive, known bool) { return false, false }
