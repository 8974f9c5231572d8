// Package runbooks embeds the bundled runbooks and their rehearsal scenarios.
package runbooks

import "embed"

// FS holds the bundled runbooks (*.yaml) and, once rehearsal lands,
// scenarios/<runbook-id>/<name>.yaml.
//
//go:embed README.md *.yaml
var FS embed.FS
