package tui

import "reflect"

// memo keeps one part of the screen (the step list, the step's text, the key
// help) with the input it was drawn from, and draws it again only when that
// input changed. The input is compared whole (reflect.DeepEqual), so it
// must hold everything the drawing reads: each caller builds it from
// exactly the values its draw function uses.
type memo[T any] struct {
	in  any
	out T
	ok  bool
	// draws counts the times the part was drawn, for tests.
	draws int
}

func (c *memo[T]) get(in any, draw func() T) T {
	if c.ok && reflect.DeepEqual(c.in, in) {
		return c.out
	}
	c.in, c.out, c.ok = in, draw(), true
	c.draws++
	return c.out
}

// viewMemo holds the memos of one console (shared by every copy of the
// Model; used from View only).
type viewMemo struct {
	list, help memo[string]
	text       memo[stepText]
	footer     footerItems
}
