//go:build tools

// Package deps keeps the project's chosen dependencies in go.mod while the
// packages that use them are being written. See ARCHITECTURE.md.
package deps

import (
	_ "charm.land/bubbles/v2/textarea"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/glamour/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/goccy/go-yaml"
	_ "github.com/spf13/cobra"
)
