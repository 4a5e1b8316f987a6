// Package printer writes pvmctl's output: the list table (a title line and
// "| col | col |" rows fitted to the terminal width) and the key=value
// lines of --display-fields.
package printer

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultWidth is the width of a terminal whose size cannot be read.
const DefaultWidth = 80

// minColumn is the narrowest a column is shortened to.
const minColumn = 3

// Table writes a title, a header row and the rows, fitted to width: while
// the table is wider, the widest column loses one character; a cell longer
// than its column is cut and ends in ">". A width of 0 or less fits
// nothing: every cell is printed whole (output that is not a terminal).
func Table(w io.Writer, title string, headers []string, rows [][]string, width int) error {
	n := len(headers)
	widths := make([]int, n)
	for i, h := range headers {
		widths[i] = runeLen(h)
	}
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			if l := runeLen(r[i]); l > widths[i] {
				widths[i] = l
			}
		}
	}
	total := func() int {
		t := 1 + 3*n
		for _, c := range widths {
			t += c
		}
		return t
	}
	for width > 0 && total() > width {
		widest := -1
		for i, c := range widths {
			if c > minColumn && (widest < 0 || c > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	var b strings.Builder
	b.WriteString(title)
	b.WriteByte('\n')
	line := func(cells []string) {
		b.WriteByte('|')
		for i := 0; i < n; i++ {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			b.WriteByte(' ')
			b.WriteString(fit(cell, widths[i]))
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	line(headers)
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit pads or cuts s to exactly n runes; a cut cell ends in ">".
func fit(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	l := runeLen(s)
	if l <= n {
		return s + strings.Repeat(" ", n-l)
	}
	if n <= 0 {
		return ""
	}
	rs := []rune(s)
	return string(rs[:n-1]) + ">"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// KV writes one line per object: label=value pairs joined by sep
// (values only with hideLabel).
func KV(w io.Writer, labels []string, rows [][]string, sep string, hideLabel bool) error {
	if sep == "" {
		sep = ","
	}
	var b strings.Builder
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteString(sep)
			}
			if !hideLabel {
				b.WriteString(labels[i])
				b.WriteByte('=')
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Number returns a JSON number spelled text; f is text's value, used when
// text is not a valid JSON number.
func Number(text string, f float64) any {
	if json.Valid([]byte(text)) {
		return json.RawMessage(text)
	}
	return f
}

// JSON writes rows as a JSON array of objects whose keys, in order, are
// keys (two-space indent, one trailing newline): what -o json prints.
func JSON(w io.Writer, keys []string, rows [][]any) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, k := range keys {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    ")
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			var v any
			if j < len(r) {
				v = r[j]
			}
			vb, err := marshal(v)
			if err != nil {
				return err
			}
			b.Write(vb)
		}
		b.WriteString("\n  }")
	}
	if len(rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}

// marshal encodes a value without escaping <, > and & (a listing is not
// HTML).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
