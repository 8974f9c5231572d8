// Package chroma stands in for github.com/alecthomas/chroma/v2 in handrail
// (see README.md): the identifiers glamour compiles against, and no
// highlighting.
package chroma

// TokenType names a kind of token, as chroma's does.
type TokenType int

// The token types glamour names in its chroma style.
const (
	Background TokenType = -1 - iota
	Text
	Error
	Comment
	CommentPreproc
	Keyword
	KeywordReserved
	KeywordNamespace
	KeywordType
	Operator
	Punctuation
	Name
	NameBuiltin
	NameTag
	NameAttribute
	NameClass
	NameConstant
	NameDecorator
	NameException
	NameFunction
	NameOther
	Literal
	LiteralNumber
	LiteralDate
	LiteralString
	LiteralStringEscape
	GenericDeleted
	GenericEmph
	GenericInserted
	GenericStrong
	GenericSubheading
)

// StyleEntries maps a token type to a style, as chroma's does.
type StyleEntries map[TokenType]string

// Style is a named style; its entries are not kept.
type Style struct {
	Name string
}

// MustNewStyle returns a style named name.
func MustNewStyle(name string, _ StyleEntries) *Style { return &Style{Name: name} }
