package session

import (
	"bytes"
	"encoding/json"

	"github.com/handrail/handrail/checks"
)

// redactResult scrubs secret values from a result the engine keeps in
// memory (a probe that echoes a password must not put it on screen).
func redactResult(r checks.Result, secrets []string) checks.Result {
	if len(secrets) == 0 {
		return r
	}
	r.Obs.Raw = redactString(r.Obs.Raw, secrets)
	r.Obs.Error = redactString(r.Obs.Error, secrets)
	r.Verdict.Reason = redactString(r.Verdict.Reason, secrets)
	if r.Obs.Rows != nil {
		rows := make([]checks.Row, len(r.Obs.Rows))
		for i, row := range r.Obs.Rows {
			fs := make([]checks.Field, len(row.Fields))
			for j, f := range row.Fields {
				f.Value = redactString(f.Value, secrets)
				fs[j] = f
			}
			rows[i] = checks.Row{Key: redactString(row.Key, secrets), Fields: fs}
		}
		r.Obs.Rows = rows
	}
	if r.Verdict.Fields != nil {
		fv := make([]checks.FieldVerdict, len(r.Verdict.Fields))
		for i, f := range r.Verdict.Fields {
			f.Actual = redactString(f.Actual, secrets)
			f.Expected = redactString(f.Expected, secrets)
			fv[i] = f
		}
		r.Verdict.Fields = fv
	}
	return r
}

// redactJSON encodes data and replaces every occurrence of a secret value
// inside any JSON string with SecretMark. It works on decoded strings, not
// bytes, so a secret can neither break the JSON nor hide behind escaping.
func redactJSON(data any, secrets []string) (json.RawMessage, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	if len(secrets) == 0 {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// Identifiers (step and check ids, field names) are left alone: they
	// come from the runbook, and rewriting one would break the record.
	v = checks.RedactJSONValue(v, func(s string) string { return redactString(s, secrets) })
	return json.Marshal(v)
}

// redactString scrubs every secret from s (checks.ScrubSecret: a secret
// shorter than checks.MinSubstringSecret only where it is the whole value).
func redactString(s string, secrets []string) string {
	for _, sec := range secrets {
		s = checks.ScrubSecret(s, sec)
	}
	return s
}

// markRehearsal adds `"rehearsal": true` to a record's data object.
func markRehearsal(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m["rehearsal"] = json.RawMessage("true")
	return json.Marshal(m)
}
