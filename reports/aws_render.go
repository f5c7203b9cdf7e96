package reports

import (
	"fmt"
	"io"
)

// mdAWS writes the AWS section as Markdown.
func (s *AWSSection) mdAWS(w io.Writer) {
	fmt.Fprintf(w, "\n## AWS IoT's own figures\n\n%s\n\nWhere they differ:\n\n", s.intro())
	for _, f := range s.Findings {
		fmt.Fprintf(w, "- %s\n", f)
	}
	fmt.Fprintf(w, "\nConnects:\n\n")
	s.connectTable().writeMarkdown(w)
	fmt.Fprintf(w, "\nMessages:\n\n")
	s.messageTable().writeMarkdown(w)
	if o := s.others(); o != "" {
		fmt.Fprintf(w, "\n%s\n", o)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "\n> **Note:** %s\n", n)
	}
}

// htmlAWS is the AWS section's view on the HTML page.
type htmlAWS struct {
	Intro    string
	Findings []string
	Connects *table
	Messages *table
	Others   string
	Notes    []string
	Charts   []htmlFigure
}

// htmlAWS builds the section's view: its tables and its two charts,
// AWS's figures (dashed) over mqherd's per period, on the run's clock.
func (s *AWSSection) htmlAWS(windows []Window) (*htmlAWS, error) {
	v := &htmlAWS{Intro: s.intro(), Findings: s.Findings, Connects: s.connectTable(), Messages: s.messageTable(),
		Others: s.others(), Notes: s.Notes}
	per := fmt.Sprintf("per %d s", s.PeriodS)
	charts := []struct {
		id, title, caption string
		lines              []Line
	}{
		{"fig-aws-connects", "Connects: mqherd and AWS IoT", "Connects and connect errors " + per + ", mqherd's solid, AWS's dashed; " +
			"each step spans the part of the run its period covers.", []Line{
			s.periodLine("connects (mqherd)", false, mqherdCount(func(c MqherdCounts) int64 { return c.Connects })),
			s.periodLine("Connect.Success", true, awsMetric("Connect.Success")),
			s.periodLine("connect errors (mqherd)", false, mqherdCount(func(c MqherdCounts) int64 { return sum(c.ConnectErrors) })),
			s.periodLine("Connect refused (AuthError, ClientError, ServerError, AuthNError)", true, awsSum(awsRefusals...)),
			s.periodLine("Connect.Throttle + ClientIDThrottle", true, awsSum("Connect.Throttle", "Connect.ClientIDThrottle")),
		}},
		{"fig-aws-messages", "Messages: mqherd and AWS IoT", "Publishes " + per + ", mqherd's solid, AWS's dashed; " +
			"each step spans the part of the run its period covers.", []Line{
			s.periodLine("sent (mqherd)", false, mqherdCount(func(c MqherdCounts) int64 { return c.MessagesSent })),
			s.periodLine("PublishIn.Success", true, awsMetric("PublishIn.Success")),
			s.periodLine("received (mqherd)", false, mqherdCount(func(c MqherdCounts) int64 { return c.MessagesReceived })),
			s.periodLine("PublishOut.Success", true, awsMetric("PublishOut.Success")),
			s.periodLine("PublishIn.Throttle", true, awsMetric("PublishIn.Throttle")),
		}},
	}
	for _, c := range charts {
		svg, err := TimeSeriesChart(TimeChart{Title: c.title, YLabel: per, Lines: c.lines, Windows: windows})
		if err != nil {
			return nil, err
		}
		v.Charts = append(v.Charts, htmlFigure{ID: c.id, SVG: trusted(svg), Caption: c.caption + windowCaption(windows)})
	}
	return v, nil
}
