package dashboard

import "github.com/charmbracelet/lipgloss"

// styles are the dashboard's colors; with a colorless renderer (tests,
// dumb terminals) they render plain text, so nothing depends on color alone.
type styles struct {
	title, tab, activeTab, label, dim, ok, warn, bad, chart lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	return styles{
		title:     r.NewStyle().Bold(true),
		tab:       r.NewStyle().Foreground(lipgloss.Color("8")),
		activeTab: r.NewStyle().Bold(true).Reverse(true),
		label:     r.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		dim:       r.NewStyle().Foreground(lipgloss.Color("8")),
		ok:        r.NewStyle().Foreground(lipgloss.Color("2")),
		warn:      r.NewStyle().Foreground(lipgloss.Color("3")),
		bad:       r.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		chart:     r.NewStyle().Foreground(lipgloss.Color("4")),
	}
}
