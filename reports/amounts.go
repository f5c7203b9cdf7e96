package reports

import (
	"strconv"
	"strings"
)

// dollars formats v as US dollars; decimals -1 keeps every significant
// digit, with at least two.
func dollars(v float64, decimals int) string {
	if decimals < 0 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		decimals = 2
		if dot := strings.IndexByte(s, '.'); dot >= 0 {
			decimals = max(len(s)-dot-1, 2)
		}
	}
	if v < 0 {
		return "-$" + grouped(-v, decimals)
	}
	return "$" + grouped(v, decimals)
}

// number formats v like grouped, dropping trailing zeros of the decimals.
func number(v float64, decimals int) string {
	s := grouped(v, decimals)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// grouped formats v with decimals decimals and thousands separated by commas.
func grouped(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for k, r := range whole {
		if k > 0 && (len(whole)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
