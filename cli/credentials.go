package cli

import (
	"errors"
	"fmt"
	"sync"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// credentialKeeper stands between a live session and its driver so that
// credentials re-entered in the session (`credentials TARGET`: a password)
// keep what was not re-entered: the user the target logs in as (from its
// user or user_env), or the rest of a DSN from dsn_env.
type credentialKeeper struct {
	checks.Driver
	mu    sync.Mutex
	creds map[string]checks.Credentials
}

var _ checks.CredentialSetter = (*credentialKeeper)(nil)

// keepCredentials wraps a live driver built over creds.
func keepCredentials(d checks.Driver, creds map[string]checks.Credentials) checks.Driver {
	kept := make(map[string]checks.Credentials, len(creds))
	for k, v := range creds {
		kept[k] = v
	}
	return &credentialKeeper{Driver: d, creds: kept}
}

// SetCredentials fills in what c leaves out from the target's credentials
// and hands the whole to the driver. Its errors never hold a value.
func (k *credentialKeeper) SetCredentials(target string, c checks.Credentials) error {
	cs, ok := k.Driver.(checks.CredentialSetter)
	if !ok {
		return errors.New("this driver takes no new credentials")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.creds[target]
	if c.User == "" {
		c.User = old.User
	}
	if !old.DSN.IsZero() && c.DSN.IsZero() && !c.Password.IsZero() {
		// The target logs in with a whole DSN: the new password takes the
		// place of the old one inside it.
		cfg, err := gomysql.ParseDSN(old.DSN.Reveal())
		if err != nil {
			return fmt.Errorf("target %s logs in with a DSN (dsn_env) that cannot take a new password: correct the variable, then resume", termtext.Line(target))
		}
		cfg.Passwd = c.Password.Reveal()
		c.DSN = checks.NewSecret(cfg.FormatDSN())
	}
	if err := cs.SetCredentials(target, c); err != nil {
		return err
	}
	k.creds[target] = c
	return nil
}
