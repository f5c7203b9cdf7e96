package reports

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg/vgsvg"
)

// fontStack follows the font the text was laid out with by the
// metric-compatible fonts a browser is likely to have.
const fontStack = "font-family:Liberation Sans,Arial,Helvetica,sans-serif;"

// inlineSVG writes c as SVG for inlining in HTML5: no XML prolog, no
// comment, no namespace declarations (so no "http://" in the page), a
// root element with only a viewBox (the page sets the size), and a font
// stack instead of the bare font name.
func inlineSVG(c *vgsvg.Canvas, title string) (string, error) {
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("chart %q: %w", title, err)
	}
	s := b.String()
	start := strings.Index(s, "<svg")
	if start < 0 {
		return "", fmt.Errorf("chart %q: the SVG writer wrote no <svg> element", title)
	}
	s = s[start:]
	end := strings.IndexByte(s, '>')
	w, h := c.Size()
	root := fmt.Sprintf(`<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s"`,
		strconv.FormatFloat(w.Points(), 'g', -1, 64), strconv.FormatFloat(h.Points(), 'g', -1, 64), html.EscapeString(title))
	s = removeXMLNS(root + s[end:])
	return strings.ReplaceAll(s, "font-family:Liberation Sans;", fontStack), nil
}

// removeXMLNS drops every xmlns and xmlns:prefix attribute from the
// tags of s.
func removeXMLNS(s string) string {
	var b strings.Builder
	for {
		lt := strings.IndexByte(s, '<')
		gt := strings.IndexByte(s[max(lt, 0):], '>')
		if lt < 0 || gt < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:lt])
		b.WriteString(dropXMLNS(s[lt : lt+gt+1]))
		s = s[lt+gt+1:]
	}
}

// dropXMLNS drops the xmlns attributes of one tag.
func dropXMLNS(tag string) string {
	for {
		i := strings.Index(tag, "xmlns")
		if i <= 0 || !strings.ContainsRune(" \t\n\r", rune(tag[i-1])) {
			return tag
		}
		eq := strings.Index(tag[i:], `="`)
		if eq < 0 {
			return tag
		}
		q := strings.IndexByte(tag[i+eq+2:], '"')
		if q < 0 {
			return tag
		}
		tag = tag[:i-1] + tag[i+eq+2+q+1:]
	}
}
