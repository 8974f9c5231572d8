// Package styles stands in for chroma's style registry: it starts empty.
package styles

import (
	"sync"

	"github.com/alecthomas/chroma/v2"
)

// Registry holds the styles registered, by name.
var Registry = map[string]*chroma.Style{}

var mu sync.Mutex

// Register adds a style to the registry.
func Register(s *chroma.Style) *chroma.Style {
	mu.Lock()
	defer mu.Unlock()
	Registry[s.Name] = s
	return s
}
