package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// SchemaVersion is the version of every JSON document bridgescope writes
// (watch's snapshot, validate, compare, bench, check) and of the JSON
// Schemas in schema/ that describe them, one per document. Any change to a
// document's shape, an added field included, bumps it, so a schema of
// version N validates exactly the documents of version N.
const SchemaVersion = 3

// JSON renders v as exactly one indented JSON object and a newline, with
// "schemaVersion" as its first field. Every JSON output of bridgescope goes
// through it or JSONLine: HTML escaping is off, so "< 95%" stays readable,
// and it is the same setting everywhere. v must encode to an object.
func JSON(v any) Reporter {
	return func(w io.Writer) error {
		b, err := encodeJSON(v)
		if err != nil {
			return err
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, b, "", "  "); err != nil {
			return fmt.Errorf("report: indent json: %w", err)
		}
		ind.WriteByte('\n')
		return write(w, "json", ind.Bytes())
	}
}

// JSONLine renders v as JSON does, on one line: a line of NDJSON
// (watch --json-stream), for jq and log shippers.
func JSONLine(v any) Reporter {
	return func(w io.Writer) error {
		b, err := encodeJSON(v)
		if err != nil {
			return err
		}
		return write(w, "json line", append(b, '\n'))
	}
}

// encodeJSON encodes v compactly, with schemaVersion put first.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("report: encode json: %w", err)
	}
	obj := bytes.TrimSpace(b.Bytes())
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("report: encode json: a %T is not a JSON object", v)
	}
	out := make([]byte, 0, len(obj)+24)
	out = append(out, `{"schemaVersion":`...)
	out = strconv.AppendInt(out, SchemaVersion, 10)
	if obj[1] != '}' {
		out = append(out, ',')
	}
	return append(out, obj[1:]...), nil
}
