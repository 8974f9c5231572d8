package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
)

// Load reads and validates the runbook at path.
func Load(path string) (*Runbook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load runbook: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a runbook; name is used in error positions.
// Placeholder: the strict loader replaces this.
func Parse(name string, data []byte) (*Runbook, error) {
	var rb Runbook
	if err := yaml.UnmarshalWithOptions(data, &rb, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rb.Steps) > 0 {
		rb.Sections = append(rb.Sections, Section{Steps: rb.Steps})
		rb.Steps = nil
	}
	sum := sha256.Sum256(data)
	rb.SHA256 = hex.EncodeToString(sum[:])
	rb.Path = name
	return &rb, nil
}
