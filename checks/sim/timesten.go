package sim

// TimesTenSpec is a TimesTen old/new server pair during a client/server
// online upgrade with replication.
type TimesTenSpec struct{}

type timesten struct{}

func (w *world) addTimesTen(spec *TimesTenSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	w.tt = &timesten{}
	return nil
}

func (tt *timesten) portOpen(host string, port int) bool { return false }

func (tt *timesten) installNew(host, version string) {}

func (w *world) ttCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	return cmdOut{}, false
}
