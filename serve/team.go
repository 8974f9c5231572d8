package serve

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	gossh "golang.org/x/crypto/ssh"

	"github.com/handrail/handrail/steps"
)

// Roles a person can have (docs/serve.md).
const (
	RoleOperator = "operator" // starts, resumes and drives sessions
	RoleApprover = "approver" // approves or rejects another person's request
	RoleObserver = "observer" // watches sessions, read-only
)

// Roles lists the roles in the order help text names them.
var Roles = []string{RoleOperator, RoleApprover, RoleObserver}

// MaxTeamFile bounds a team file's size.
const MaxTeamFile = 1 << 20

// Person is one member of the team file: a name, the SSH keys they log in
// with, and their roles.
type Person struct {
	Name  string
	Roles []string
	Keys  []gossh.PublicKey
}

// Has reports whether p has role.
func (p *Person) Has(role string) bool { return p != nil && slices.Contains(p.Roles, role) }

// Team is a loaded team file: who may connect, with which key, in which
// roles. A key not in it is refused.
type Team struct {
	Path   string
	People []*Person
	byKey  map[string]*Person
}

// Lookup finds the person a public key belongs to.
func (t *Team) Lookup(k gossh.PublicKey) (*Person, bool) {
	if t == nil || k == nil {
		return nil, false
	}
	p, ok := t.byKey[string(k.Marshal())]
	return p, ok
}

// LoadTeam reads and validates a team file. Problems are a
// *steps.LoadError with file:line:col findings, as for runbooks.
func LoadTeam(path string) (*Team, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("team file: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxTeamFile+1)); err != nil {
		return nil, fmt.Errorf("team file %s: %w", path, err)
	}
	if buf.Len() > MaxTeamFile {
		return nil, &steps.LoadError{Findings: []steps.Finding{{File: path, Line: 1, Col: 1,
			Msg: fmt.Sprintf("team file: larger than %d bytes", MaxTeamFile)}}}
	}
	return ParseTeam(path, buf.Bytes())
}

// ParseTeam decodes and validates a team file's content; name is used in
// findings.
//
//	people:
//	  - name: alice
//	    keys: ["ssh-ed25519 AAAA… alice@laptop"]
//	    roles: [operator, approver]
func ParseTeam(name string, data []byte) (*Team, error) {
	y, err := steps.ParseYAMLFile(name, data, "team file")
	if err != nil {
		return nil, err
	}
	t := &Team{Path: name, byKey: map[string]*Person{}}
	es, ok := y.Mapping(y.Root(), "", "team file", "a team (people: [...])")
	if !ok {
		return nil, y.Err()
	}
	seenPeople := false
	for _, e := range y.Known(es, "team file", "people") {
		seenPeople = true
		items := y.Seq(e, "team file")
		if len(items) == 0 && y.Err() == nil {
			y.Errorf(e, "team file: people: the list is empty: name at least one person")
		}
		names := map[string]seenName{}
		for i, n := range items {
			p := decodePerson(y, y.Item(e, i, n), i, t, names)
			if p != nil {
				t.People = append(t.People, p)
			}
		}
	}
	if !seenPeople && y.Err() == nil {
		y.ErrorfNode(y.Root(), "team file: missing key \"people\": list the people who may connect")
	}
	if err := y.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

func decodePerson(y *steps.YAMLFile, e steps.YAMLEntry, idx int, t *Team, names map[string]seenName) *Person {
	ctx := fmt.Sprintf("team file: person %d", idx+1)
	es, ok := y.Mapping(e.Value(), e.Path(), ctx, "a person {name, keys, roles}")
	if !ok {
		return nil
	}
	p := &Person{}
	var nameE, keysE, rolesE *steps.YAMLEntry
	for _, ke := range y.Known(es, ctx, "name", "keys", "roles") {
		ke := ke
		switch ke.Key() {
		case "name":
			nameE = &ke
			p.Name = strings.TrimSpace(y.Str(ke, ctx))
		case "keys":
			keysE = &ke
		case "roles":
			rolesE = &ke
		}
	}
	if p.Name != "" {
		ctx = "team file: person " + quoteName(p.Name)
	}
	switch {
	case nameE == nil:
		y.ErrorfNode(e.Value(), "%s: missing key \"name\"", ctx)
	case p.Name == "":
		y.Errorf(*nameE, "%s: the name is empty", ctx)
	default:
		checkName(y, *nameE, ctx, p.Name, names)
	}
	if keysE == nil {
		y.ErrorfNode(e.Value(), "%s: missing key \"keys\": give at least one SSH public key (authorized_keys syntax)", ctx)
	} else {
		items := y.Seq(*keysE, ctx)
		if len(items) == 0 && isList(keysE.Value()) {
			y.Errorf(*keysE, "%s: keys: the list is empty: give at least one SSH public key", ctx)
		}
		for i, n := range items {
			ke := y.Item(*keysE, i, n)
			if k := decodeKey(y, ke, i, ctx); k != nil {
				id := string(k.Marshal())
				if other, dup := t.byKey[id]; dup {
					y.Errorf(ke, "%s: this key (%s) is already %s's: a key belongs to one person", ctx, gossh.FingerprintSHA256(k), other.Name)
					continue
				}
				t.byKey[id] = p
				p.Keys = append(p.Keys, k)
			}
		}
	}
	if rolesE == nil {
		y.ErrorfNode(e.Value(), "%s: missing key \"roles\": give at least one of %s", ctx, strings.Join(Roles, ", "))
	} else {
		items := y.Seq(*rolesE, ctx)
		if len(items) == 0 && isList(rolesE.Value()) {
			y.Errorf(*rolesE, "%s: roles: the list is empty: give at least one of %s", ctx, strings.Join(Roles, ", "))
		}
		for i, n := range items {
			re := y.Item(*rolesE, i, n)
			r := y.Text(re, ctx)
			switch {
			case !slices.Contains(Roles, r):
				y.Errorf(re, "%s: role %q: want one of %s", ctx, r, strings.Join(Roles, ", "))
			case slices.Contains(p.Roles, r):
				y.Errorf(re, "%s: role %q is listed twice", ctx, r)
			default:
				p.Roles = append(p.Roles, r)
			}
		}
	}
	return p
}

// decodeKey parses one authorized_keys line. Options (from=, command=…)
// and certificates are refused: the team file is the whole policy.
func decodeKey(y *steps.YAMLFile, e steps.YAMLEntry, idx int, ctx string) gossh.PublicKey {
	ctx = fmt.Sprintf("%s: key %d", ctx, idx+1)
	line := strings.TrimSpace(y.Str(e, ctx))
	if line == "" {
		y.Errorf(e, "%s: empty key", ctx)
		return nil
	}
	k, _, opts, rest, err := gossh.ParseAuthorizedKey([]byte(line))
	switch {
	case err != nil:
		y.Errorf(e, "%s: not an SSH public key in authorized_keys syntax (\"ssh-ed25519 AAAA… comment\"): %v", ctx, err)
		return nil
	case len(opts) > 0:
		y.Errorf(e, "%s: authorized_keys options (%s) are not supported here: the team file's roles are the policy", ctx, strings.Join(opts, ","))
		return nil
	case len(bytes.TrimSpace(rest)) > 0:
		y.Errorf(e, "%s: one key per list item", ctx)
		return nil
	}
	if _, isCert := k.(*gossh.Certificate); isCert {
		y.Errorf(e, "%s: a certificate, not a key: list the person's public key", ctx)
		return nil
	}
	return k
}

// isList reports whether n is written as a list (an empty one included).
func isList(n ast.Node) bool {
	for {
		switch v := n.(type) {
		case *ast.SequenceNode:
			return true
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return false
		}
	}
}
