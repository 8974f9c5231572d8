// Package repotest holds tests about the repository itself: the import
// rules of ARCHITECTURE.md and the release configuration.
package repotest
