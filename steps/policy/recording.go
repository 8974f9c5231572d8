package policy

import "github.com/handrail/handrail/steps"

// Recording is the policy's recording section:
//
//	recording:
//	  enabled: false   # no session is recorded (default true)
//	  required: true   # --no-record is refused (default false)
type Recording struct {
	Enabled  bool
	Required bool
	// From names the file that decided Enabled ("" when no file did).
	From string
}

// recordingSection is the section as one file writes it (nil: not set).
type recordingSection struct {
	enabled, required *bool
}

func recording(y *steps.YAMLFile, es []steps.YAMLEntry, ctx string) recordingSection {
	var s recordingSection
	for _, ke := range y.Known(es, ctx, "enabled", "required") {
		v := y.Bool(ke, ctx)
		switch ke.Key() {
		case "enabled":
			s.enabled = &v
		case "required":
			s.required = &v
		}
	}
	return s
}

// merge takes f's settings where no stronger file (read earlier) set them;
// required holds when any file requires it.
func (r *Recording) merge(f recordingSection, path string) {
	if f.enabled != nil && r.From == "" {
		r.Enabled, r.From = *f.enabled, path
	}
	if f.required != nil && *f.required {
		r.Required = true
	}
}
