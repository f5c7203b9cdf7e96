package reports

import (
	"fmt"
	"io"
	"strings"
)

// table is one table of a report, built once and shown by both renderers:
// a header row and rows of cells. Num right-aligns the numeric cells of
// every column but the first on the HTML page; Markdown has no alignment.
type table struct {
	Head []string
	Rows [][]string
	Num  bool
}

func (t *table) add(cells ...string) { t.Rows = append(t.Rows, cells) }

// writeMarkdown writes t as a Markdown table: "| a | b |" rows under a
// "|---|---|" separator, with each "|" in a cell escaped as "\|".
func (t *table) writeMarkdown(w io.Writer) {
	markdownRow(w, t.Head)
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(t.Head)))
	for _, row := range t.Rows {
		markdownRow(w, row)
	}
}

// writeMarkdownOr writes t, or the sentence none in its place when t is nil
// (a section with nothing to list).
func (t *table) writeMarkdownOr(w io.Writer, none string) {
	if t == nil {
		fmt.Fprintln(w, none)
		return
	}
	t.writeMarkdown(w)
}

func markdownRow(w io.Writer, cells []string) {
	escaped := make([]string, len(cells))
	for i, c := range cells {
		escaped[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(escaped, " | "))
}
