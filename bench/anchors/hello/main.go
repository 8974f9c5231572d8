// Command hello is the anchor for a command's start-up: a Go program that
// prints one line and exits. bench/run.sh times `handrail version`, `list`
// and `lint` beside it.
package main

import "fmt"

func main() { fmt.Println("hello") }
