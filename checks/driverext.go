package checks

// CredentialSetter is a Driver that can take new credentials for a target
// while a session runs (the operator re-entered a password that was
// refused). The next probe of that target uses them; a connection opened
// with the old ones is dropped.
type CredentialSetter interface {
	SetCredentials(target string, c Credentials) error
}
