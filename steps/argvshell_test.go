package steps

import (
	"slices"
	"strings"
	"testing"
)

func TestArgvShellParsed(t *testing.T) {
	cases := []struct {
		argv string // words split on spaces
		want []int  // indices a shell parses
	}{
		{"sh -c X", []int{2}},
		{"/usr/bin/bash -lc X", []int{2}},
		{"bash -e -u -c X name arg", []int{4}},
		{"bash -o pipefail -c X", []int{4}},
		{"bash +o pipefail -xc X", []int{4}},
		{"zsh -- X", nil},
		{"dash X arg", nil},
		{"sh -s arg", nil},
		{"busybox sh -c X", []int{3}},
		{"busybox ls -c X", nil},
		{"sudo -u root -E sh -c X", []int{6}},
		{"sudo --user root FOO=1 ksh -c X", []int{6}},
		{"doas -u root ash -c X", []int{5}},
		{"env -i -u HOME A=1 B=2 sh -c X", []int{8}},
		{"env -S X", []int{2}},
		{"env --split-string=X", []int{1}},
		{"nice -n 5 nohup exec setsid time sh -c X", []int{9}},
		{"nice -5 sh -c X", []int{4}},
		{"timeout -s KILL 10s bash -c X", []int{6}},
		{"timeout --kill-after 5 10s bash -c X", []int{6}},
		{"stdbuf -o L -eL ionice -c 3 sh -c X", []int{9}},
		{"su - postgres -c X", []int{4}},
		{"su -lc X postgres", []int{2}},
		{"su -cX", []int{1}},
		{"runuser -u app --command=X", []int{3}},
		{"su --command X", []int{2}},
		{"su -s /bin/sh app", nil},
		{"ssh host X Y", []int{2, 3}},
		{"ssh -p 22 -o A=b -tt -lroot host X", []int{8}},
		{"ssh -- host X", []int{3}},
		{"sudo ssh host X", []int{3}},
		{"ssh-keygen -f X", nil},
		{"watch -n 1 ls X", []int{3, 4}},
		{"watch -x ls X", nil},
		{"watch -x sh -c X", []int{4}},
		{"ls -c X", nil},
		{"X -c Y", nil},
	}
	for _, c := range cases {
		argv := strings.Fields(c.argv)
		var got []int
		for _, p := range argvShellParsed(argv) {
			got = append(got, p.index)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("argvShellParsed(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}
