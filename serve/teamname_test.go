package serve

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/handrail/handrail/steps"
)

// teamOf is a team file with one operator per name, each with its own key.
func teamOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("people:\n")
	for i, n := range names {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i + 1)
		pub, err := gossh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
		if err != nil {
			t.Fatal(err)
		}
		key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
		fmt.Fprintf(&b, "  - {name: %s, keys: [%q], roles: [operator]}\n", strconv.QuoteToASCII(n), key)
	}
	return []byte(b.String())
}

// TestLookAlikeNames: a name that hides a character, mixes scripts or
// looks like another is refused; names written in one script, however
// close, are not.
func TestLookAlikeNames(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string // a finding's text; "" for none
	}{
		{[]string{"bob", "bob\u200b"}, `person "bob\u200b": the name holds an invisible or control character (U+200B at character 4)`},
		{[]string{"bob", "bob\u200b"}, `person "bob\u200b": the name looks like "bob" at line 2`},
		{[]string{"bob\u200b", "bob"}, `person "bob": the name looks like "bob\u200b" at line 2`},
		{[]string{"bob", "b\u2060ob"}, `U+2060 at character 2`},     // word joiner
		{[]string{"bob", "bo\u034fb"}, `U+034F at character 3`},     // combining grapheme joiner
		{[]string{"bob", "\U000e0062ob"}, `U+E0062 at character 1`}, // tag character
		{[]string{"alice", "\u0430lice"}, `the name mixes scripts (Cyrillic U+0430 'а', Latin U+006C 'l')`},
		{[]string{"alice", "\u0430lice"}, `looks like "alice" at line 2`},
		{[]string{"alice", "alic\u03b5"}, `the name mixes scripts (Latin U+0061 'a', Greek U+03B5 'ε')`},
		{[]string{"bob", "ΒΟΒ"}, `person "ΒΟΒ": the name looks like "bob" at line 2`},
		{[]string{"OPS", "ОРЅ"}, `looks like "OPS" at line 2`}, // Cyrillic capitals
		{[]string{"alice", "ＡＬＩＣＥ"}, `looks like "alice" at line 2`},
		{[]string{"carol", "𝐜𝐚𝐫𝐨𝐥"}, `looks like "carol" at line 2`},
		{[]string{"Erin Doe", "Erin\u00a0Doe"}, `looks like "Erin Doe" at line 2`},
		{[]string{"Straße", "STRASSE"}, `the name is listed twice`},
		{[]string{"alice", "Alice"}, `the name is listed twice`},
		// Not look-alikes, and allowed mixes.
		{[]string{"alice", "alicia", "José Núñez", "Zoë O'Brien-Smith"}, ""},
		{[]string{"山田 太郎", "やまだ タロウ", "Taro 山田", "김민준", "Иван Петров", "Νίκος"}, ""},
		{[]string{"ops-1", "ops-2", "bob (night shift)"}, ""},
	} {
		_, err := ParseTeam("team.yaml", teamOf(t, tc.names...))
		var le *steps.LoadError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.names, err)
		case tc.want == "":
		case !errors.As(err, &le):
			t.Errorf("%q: err = %v, want a finding %q", tc.names, err, tc.want)
		case !strings.Contains(le.Error(), tc.want):
			t.Errorf("%q: findings\n%v\nwant one with %q", tc.names, le, tc.want)
		}
	}
}
