package tui

import (
	"strings"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
)

// bodyCache renders step bodies (Markdown) once per step and width: glamour
// is far too slow to run on every frame. It is filled from Update only.
type bodyCache struct {
	dark      bool
	ascii     bool // plain 7-bit rendering, for terminals without UTF-8
	renderers map[int]*glamour.TermRenderer
	rendered  map[bodyKey]string
}

type bodyKey struct {
	step  string
	width int
	dark  bool
}

func newBodyCache() *bodyCache {
	return &bodyCache{renderers: map[int]*glamour.TermRenderer{}, rendered: map[bodyKey]string{}}
}

func (c *bodyCache) setDark(dark bool) {
	if c.dark != dark {
		c.dark = dark
		c.renderers = map[int]*glamour.TermRenderer{}
	}
}

// render returns the Markdown rendered for width, from the cache when it can.
// A body glamour cannot render is shown as written.
func (c *bodyCache) render(key, md string, width int) string {
	if strings.TrimSpace(md) == "" {
		return ""
	}
	k := bodyKey{step: key, width: width, dark: c.dark}
	if out, ok := c.rendered[k]; ok {
		return out
	}
	r, ok := c.renderers[width]
	if !ok {
		style := styles.DarkStyleConfig
		switch {
		case c.ascii:
			style = styles.ASCIIStyleConfig
		case !c.dark:
			style = styles.LightStyleConfig
		}
		// The document margin glamour adds by default wastes two columns
		// on each side of an already narrow pane.
		var zero uint
		style.Document.Margin = &zero
		// Code blocks are drawn in the code block's own colours, never
		// highlighted: handrail links a chroma that highlights nothing
		// (third_party/chroma: the real one costs every command 11-17 ms
		// of start-up).
		style.CodeBlock.Chroma = nil
		style.CodeBlock.Theme = ""
		var err error
		r, err = glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(width))
		if err != nil {
			return md
		}
		c.renderers[width] = r
	}
	out, err := r.Render(md)
	if err != nil {
		out = md
	}
	out = strings.Trim(out, "\n")
	if len(c.rendered) > 256 {
		c.rendered = map[bodyKey]string{}
	}
	c.rendered[k] = out
	return out
}

// get returns what render stored, for View (which must not render).
func (c *bodyCache) get(key string, width int) (string, bool) {
	out, ok := c.rendered[bodyKey{step: key, width: width, dark: c.dark}]
	return out, ok
}
