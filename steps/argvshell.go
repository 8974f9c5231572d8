package steps

import (
	"fmt"
	"path"
	"strings"
)

// An argv element never passes through a shell, unless the program it is
// given to hands it to one: `argv: [sh, -c, "echo ${name}"]` makes the
// value part of a shell line, where `x; id` runs id. The loader reads an
// argv the way the usual launchers do and refuses a ${...} in an element
// that a shell parses:
//
//   - the command string of a shell's -c (sh bash dash zsh ksh ash ...,
//     busybox sh; -c may be combined: -lc, -ec, -euc);
//   - the command of su or runuser (-c CMD, --command=CMD);
//   - the string of env -S (env splits it into words and runs them);
//   - every element after the host of ssh (ssh joins them into one line
//     for the remote shell), and every element of watch's command (watch
//     joins them for sh -c).
//
// Leading wrappers are looked through: sudo and doas [options], env
// [options] [NAME=value...], nohup, exec, setsid, command, time, nice
// [-n N], timeout [options] DURATION, stdbuf [options], ionice [options].
// It is a heuristic on the program's base name: it cannot know every
// program that reads an argument as code (mysql -e, python -c, awk), and
// docs/runbook-format.md says so.

// shellParsed is one argv element that a shell parses as a command line.
type shellParsed struct {
	index int    // its index in argv
	by    string // what parses it, for the message
}

var (
	shellNames = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "ash": true,
		"mksh": true, "yash": true, "hush": true, "csh": true, "tcsh": true, "fish": true}
	// busyboxShells are the applets of busybox (`busybox sh -c ...`) that are shells.
	busyboxShells = map[string]bool{"sh": true, "ash": true, "hush": true, "bash": true}
)

// argvShellParsed returns the elements of argv that a shell will parse as a
// command line. A program name that holds a ${...} is not recognised.
func argvShellParsed(argv []string) []shellParsed { return argvShellParsedFrom(argv, 0) }

func argvShellParsedFrom(argv []string, i int) []shellParsed {
	i, out := skipWrappers(argv, i)
	if i >= len(argv) {
		return out
	}
	prog := path.Base(argv[i])
	if prog == "busybox" && i+1 < len(argv) && busyboxShells[argv[i+1]] {
		prog, i = "busybox "+argv[i+1], i+1
	}
	switch {
	case shellNames[prog] || strings.HasPrefix(prog, "busybox "):
		if c := shellCommandString(argv, i+1); c >= 0 {
			out = append(out, shellParsed{c, prog + " -c parses it as shell code"})
		}
	case prog == "su" || prog == "runuser":
		out = append(out, suCommands(argv, i+1, prog)...)
	case prog == "ssh":
		// Options come before the destination (ssh also takes some after
		// it: those count as the remote command's words here, which is the
		// careful side).
		j := skipOptions(argv, i+1, "BbcDEeFIiJLlmOopQRSWw", nil)
		for k := j + 1; k < len(argv); k++ {
			out = append(out, shellParsed{k, "ssh joins the words after its host into one line that the remote shell parses"})
		}
	case prog == "watch":
		j := skipOptions(argv, i+1, "nq", []string{"--interval", "--equexit"})
		if watchExec(argv[i+1 : j]) {
			return append(out, argvShellParsedFrom(argv, j)...)
		}
		for k := j; k < len(argv); k++ {
			out = append(out, shellParsed{k, "watch joins its command's words into one line for sh -c"})
		}
	}
	return out
}

// watchExec says whether watch's options hold -x (--exec): it then runs
// its command without a shell.
func watchExec(opts []string) bool {
	for _, a := range opts {
		if a == "--exec" {
			return true
		}
		if strings.HasPrefix(a, "--") || !strings.HasPrefix(a, "-") {
			continue
		}
		if k := strings.IndexAny(a[1:], "xnq"); k >= 0 && a[1+k] == 'x' {
			return true
		}
	}
	return false
}

// skipWrappers steps over the programs that run the rest of argv as a
// command (sudo, env, nice, timeout...) and their options, from argv[i].
// An env -S string is returned as parsed: env splits it into words.
func skipWrappers(argv []string, i int) (int, []shellParsed) {
	var out []shellParsed
	for i < len(argv) {
		switch path.Base(argv[i]) {
		case "sudo":
			i = skipOptions(argv, i+1, "CDghpRrTtUu", []string{"--chdir", "--chroot", "--close-from", "--command-timeout",
				"--group", "--host", "--other-user", "--prompt", "--role", "--type", "--user"})
			i = skipAssignments(argv, i)
		case "doas":
			i = skipOptions(argv, i+1, "Cu", nil)
		case "env":
			j := i + 1
			for ; j < len(argv) && strings.HasPrefix(argv[j], "-") && argv[j] != "-"; j++ {
				a := argv[j]
				if a == "--" {
					j++
					break
				}
				switch {
				case a == "-S" || a == "--split-string":
					if j+1 < len(argv) {
						out = append(out, shellParsed{j + 1, "env -S splits it into words and runs them"})
					}
					return len(argv), out
				case strings.HasPrefix(a, "--split-string=") || (!strings.HasPrefix(a, "--") && strings.Contains(a, "S")):
					out = append(out, shellParsed{j, "env -S splits it into words and runs them"})
					return len(argv), out
				case a == "-u" || a == "-C" || a == "--unset" || a == "--chdir":
					j++
				}
			}
			i = skipAssignments(argv, j)
		case "nohup", "exec", "setsid", "command", "time":
			i = skipOptions(argv, i+1, "", nil)
		case "nice":
			i = skipOptions(argv, i+1, "n", []string{"--adjustment"})
		case "timeout":
			i = skipOptions(argv, i+1, "ks", []string{"--kill-after", "--signal"})
			i++ // the duration
		case "stdbuf":
			i = skipOptions(argv, i+1, "eio", []string{"--error", "--input", "--output"})
		case "ionice":
			i = skipOptions(argv, i+1, "cnpPu", []string{"--class", "--classdata"})
		default:
			return i, out
		}
	}
	return i, out
}

// skipOptions returns the index of the first operand at or after argv[i]:
// it steps over "-x" clusters (a letter of withArg takes the rest of the
// cluster, or the next element, as its argument), "--long" options (one in
// longWithArg without "=" takes the next element) and a final "--".
func skipOptions(argv []string, i int, withArg string, longWithArg []string) int {
	for i < len(argv) {
		a := argv[i]
		switch {
		case a == "--":
			return i + 1
		case !strings.HasPrefix(a, "-") || a == "-":
			return i
		case strings.HasPrefix(a, "--"):
			for _, l := range longWithArg {
				if a == l {
					i++
				}
			}
		default:
			for k := 1; k < len(a); k++ {
				if strings.IndexByte(withArg, a[k]) >= 0 {
					if k == len(a)-1 {
						i++
					}
					break
				}
			}
		}
		i++
	}
	return i
}

// skipAssignments steps over NAME=value elements (env, sudo).
func skipAssignments(argv []string, i int) int {
	for i < len(argv) {
		eq := strings.IndexByte(argv[i], '=')
		if eq <= 0 || !paramLikeName(argv[i][:eq]) {
			return i
		}
		i++
	}
	return i
}

func paramLikeName(s string) bool {
	for k, c := range s {
		ok := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || k > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return s != ""
}

// shellCommandString returns the index of a shell's -c command string, the
// first operand after its options when one of them holds 'c', or -1.
func shellCommandString(argv []string, i int) int {
	c := false
	for i < len(argv) {
		a := argv[i]
		if a == "--" || a == "-" {
			i++
			break
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			break
		}
		switch {
		case a == "--rcfile" || a == "--init-file":
			i++
		case strings.HasPrefix(a, "--"):
		default:
			if a[0] == '-' && strings.ContainsRune(a[1:], 'c') {
				c = true
			}
			if strings.ContainsAny(a[1:], "oO") {
				i++ // -o NAME: the option's name
			}
		}
		i++
	}
	if c && i < len(argv) {
		return i
	}
	return -1
}

// suCommands returns su's (or runuser's) -c command: options may stand
// anywhere, and after "--" su passes the words on to the shell, whose -c
// counts too.
func suCommands(argv []string, i int, prog string) []shellParsed {
	var out []shellParsed
	by := prog + " -c runs it through a shell"
	for ; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--command" || a == "--session-command":
			if i+1 < len(argv) {
				out = append(out, shellParsed{i + 1, by})
			}
			i++
		case strings.HasPrefix(a, "--command=") || strings.HasPrefix(a, "--session-command="):
			out = append(out, shellParsed{i, by})
		case a == "--group" || a == "--supp-group" || a == "--shell" || a == "--whitelist-environment":
			i++
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(a) > 1:
			for k := 1; k < len(a); k++ {
				if strings.IndexByte("cgGsw", a[k]) < 0 {
					continue
				}
				switch {
				case k < len(a)-1 && a[k] == 'c':
					out = append(out, shellParsed{i, by})
				case k == len(a)-1 && a[k] == 'c' && i+1 < len(argv):
					out = append(out, shellParsed{i + 1, by})
					i++
				case k == len(a)-1:
					i++
				}
				break
			}
		}
	}
	return out
}

// argvRefs reports a ${...} in an argv element that a shell parses.
func (v *validator) argvRefs(path, ctx string, argv []string) {
	for _, p := range argvShellParsed(argv) {
		names, _ := scanRefs(argv[p.index])
		if len(names) == 0 {
			continue
		}
		fix := "use shell:, which quotes each ${param} as one word"
		if strings.HasPrefix(p.by, "ssh ") {
			fix = "run it on a host target (its argv elements are each quoted for the remote shell), or use shell:, which quotes each ${param} as one word"
		}
		v.errf(v.pos(fmt.Sprintf("%s.argv[%d]", path, p.index)),
			"%s: argv[%d]: ${%s} is in an element read as a command line (%s): a value such as \"x; id\" would run id; %s; a value must never become code (see \"Substitution\" in docs/runbook-format.md)",
			ctx, p.index, names[0], p.by, fix)
	}
}
