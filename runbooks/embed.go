// Package runbooks embeds the bundled runbooks and their rehearsal scenarios.
package runbooks

import "embed"

// FS holds the bundled runbooks (<id>.yaml) and their rehearsal scenarios
// (scenarios/<runbook-id>/<name>.yaml), so `handrail demo` needs no files.
//
//go:embed README.md *.yaml scenarios
var FS embed.FS
