package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// JSON renders v as exactly one indented JSON object and a newline. Every
// JSON output of bridgescope goes through it: HTML escaping is off, so
// "< 95%" stays readable, and it is the same setting everywhere.
func JSON(v any) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("report: encode json: %w", err)
		}
		return write(w, "json", b.Bytes())
	}
}
