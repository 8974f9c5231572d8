package live

import (
	"fmt"

	"github.com/handrail/handrail/checks"
)

var _ checks.CredentialSetter = (*Driver)(nil)

// SetCredentials replaces a target's credentials while the session runs:
// the redactor learns the new secrets first, the target's connection pool
// (opened with the old ones) is closed, and the next probe connects anew.
func (d *Driver) SetCredentials(target string, c checks.Credentials) error {
	d.red.AddCredentials(c)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("target %s: driver closed", target)
	}
	if _, ok := d.targets[target]; !ok {
		return fmt.Errorf("unknown target %q", target)
	}
	if d.creds == nil {
		d.creds = map[string]checks.Credentials{}
	}
	d.creds[target] = c
	if p, ok := d.pools[target]; ok {
		delete(d.pools, target)
		// A probe still using it fails and is retried with the new pool.
		_ = p.db.Close()
	}
	return nil
}

// cred is a target's credentials; SetCredentials may change them while
// probes run.
func (d *Driver) cred(target string) checks.Credentials {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.creds[target]
}
