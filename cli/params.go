package cli

import (
	"fmt"
	"os"
	"strings"
)

// Secret params come from the same places for run and resume: a
// --param-file (PATH - reads one line of standard input) or the
// environment variable HANDRAIL_PARAM_<NAME>, never the command line (a
// command line is visible to every user in the process list). What neither
// gives is asked for with a masked prompt on a terminal.

// readParamFiles reads each --param-file name=PATH into params. allowed,
// when not nil, is the only names a file may give (resume: the session's
// secret params); what says what they are, for the error.
func readParamFiles(files []string, params map[string]string, allowed map[string]bool, what string, stdio IO) error {
	for _, nf := range files {
		name, path, ok := strings.Cut(nf, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || path == "" {
			return withCode(ExitUsage, fmt.Errorf("--param-file %q: write it as name=PATH (PATH - reads standard input)", nf))
		}
		if allowed != nil && !allowed[name] {
			return withCode(ExitUsage, fmt.Errorf("--param-file %s: %q is not %s", name, name, what))
		}
		if _, dup := params[name]; dup {
			return withCode(ExitUsage, fmt.Errorf("--param-file %s: param %q is given twice", name, name))
		}
		v, err := readParamFile(path, stdio)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("--param-file %s: %w", name, err))
		}
		params[name] = v
	}
	return nil
}

// secretParamsFromEnv sets each secret param of names that params does not
// give yet from HANDRAIL_PARAM_<NAME>, when that is set and not empty.
func secretParamsFromEnv(names []string, params map[string]string) {
	for _, n := range names {
		if _, given := params[n]; given {
			continue
		}
		if v := os.Getenv(secretParamEnv(n)); v != "" {
			params[n] = v
		}
	}
}
