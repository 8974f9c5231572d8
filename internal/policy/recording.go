package policy

import "fmt"

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

type recordingSection struct {
	Enabled  *bool `yaml:"enabled"`
	Required *bool `yaml:"required"`
}

// LoadRecording reads the recording section of the policy files that apply
// to stateDir (Files): the site's settings win over the state directory's.
func LoadRecording(stateDir string) (Recording, error) {
	pol := Recording{Enabled: true}
	for _, path := range Files(stateDir) {
		var s recordingSection
		found, err := section(path, "recording", &s)
		if err != nil {
			return pol, err
		}
		if !found {
			continue
		}
		if s.Enabled != nil {
			pol.Enabled, pol.From = *s.Enabled, path
		}
		if s.Required != nil {
			pol.Required = *s.Required
		}
	}
	if pol.Required && !pol.Enabled {
		return pol, fmt.Errorf("%s: recording is both required and disabled: set enabled: true, or drop required", pol.From)
	}
	return pol, nil
}
