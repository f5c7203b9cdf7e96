package reports

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as indented JSON (report.json): every figure,
// series row, window and event, for scripts and spreadsheets.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
