package tui

import (
	"context"
	"os"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// step feeds msg to the model and returns the updated model.
func step(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	out, _ := m.Update(msg)
	return out.(Model)
}

// plain is the model's frame without styling.
func plain(m Model) string { return ansi.Strip(m.Render()) }

func TestRenderDebug(t *testing.T) {
	if os.Getenv("TUI_DEBUG") == "" {
		t.Skip("set TUI_DEBUG=1 to print frames")
	}
	ts := newTestSession(t)
	if _, err := ts.live.Tick("backup-done", true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.live.Advance(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ev, err := ts.live.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := New(ts.live, Options{Dark: true})
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		m = step(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		m = step(t, m, eventMsg{ev: ev})
		t.Logf("\n%s", plain(m))
	}
}
