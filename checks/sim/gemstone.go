package sim

// GemStoneSpec is a GemStone/S 64 master and hot standby slave.
type GemStoneSpec struct{}

type gemstone struct{}

func (w *world) addGemStone(spec *GemStoneSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	w.gs = &gemstone{}
	return nil
}

func (gs *gemstone) install(host, version string) {}

func (w *world) gsCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	return cmdOut{}, false
}
