package uom

import (
	"strconv"
	"strings"
)

// XMLSeeds are documents at the decoder's risky places, for the seed
// corpora of the fuzz targets that decode XML (here and in the REST
// server's): 10 s of fuzzing in CI start from them. Names outside ASCII
// (letters, private use, combining marks, invalid UTF-8), namespaces
// (default and prefixed, redeclared, undeclared, emptied, the reserved
// ones), entities and character references (every predefined one, the
// code points XML forbids, unterminated and unknown ones), CDATA
// (empty, split, unterminated, outside the root), comments and
// processing instructions, and the limits (nesting at MaxDepth, many
// attributes, many namespace declarations).
var XMLSeeds = func() []string {
	nest := func(n int) string {
		return strings.Repeat("<a>", n) + "x" + strings.Repeat("</a>", n)
	}
	attrs := func(n int) string {
		var b strings.Builder
		b.WriteString("<a")
		for i := range n {
			b.WriteString(" a" + strconv.Itoa(i) + `="v"`)
		}
		b.WriteString("/>")
		return b.String()
	}
	nss := func(n int) string {
		var b strings.Builder
		b.WriteString("<a")
		for i := range n {
			b.WriteString(" xmlns:p" + strconv.Itoa(i) + `="urn:` + strconv.Itoa(i) + `"`)
		}
		b.WriteString("/>")
		return b.String()
	}
	return []string{
		// Names outside ASCII.
		`<é xmlns="urn:x"><ü:b xmlns:ü="urn:y" ü:c="ß">ñ</ü:b></é>`,
		"<a\u0301b/>",              // a combining mark inside a name
		"<\u0301a/>",               // ... at its start
		"<a\ue000/>",               // private use
		"<a \ue000=\"1\"/>",        // ... as an attribute
		"<?\ue000 x?><a/>",         // ... as a processing instruction's target
		"<a>\xff\xfe</a>",          // invalid UTF-8 in text
		"<a\xff/>",                 // ... in a name
		"\ufeff<a/>",               // a byte order mark
		"<a>\U0001F600</a>",        // outside the BMP
		"<\U00010000/>",            // ... as a name
		"<a b=\"\u2028\u0085\"/>",  // line separators in an attribute
		"\u0085<a/>", "<a/>\u00a0", // Unicode's white space outside the root (not XML's)
		"<a>\u0085<b/>\u2028</a>",    // ... around a child
		"&#9;<a/>", "<a/>&#32;&#xA;", // references to white space outside the root (not white space)
		"<日本:語 xmlns:日本=\"urn:j\"/>", // a prefix outside ASCII
		// Namespaces.
		`<a xmlns="urn:a"><b xmlns="urn:b"><c xmlns=""/></b></a>`,
		`<p:a/>`,
		`<a xmlns:p=""><p:b/></a>`,
		`<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
		`<a x="1" x="2"/>`,
		`<xml:a xml:lang="en"/>`,
		`<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`,
		`<a xmlns:xmlns="urn:x"/>`,
		`<a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c/></p:b><p:d/></a>`,
		`<a:b:c xmlns:a="u"/>`,
		`<A xmlns:x="" x:0=""/>`, `<x:0 xmlns:x="u"/>`, `<x:-a xmlns:x="u"/>`, "<x:\u0301a xmlns:x=\"u\"/>", `<a xmlns:0="u"/>`,
		`<:a/>`,
		`<a: xmlns:a="u"/>`,
		`<a xmlns:p="u"><p:b></b></a>`,
		// Entities and character references.
		`<a b="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;</a>`,
		`<a>&#0;</a>`, `<a>&#x0;</a>`, `<a>&#xD800;</a>`, `<a>&#x110000;</a>`, `<a>&#xFFFE;</a>`,
		`<a>&#9;&#xA;&#13;</a>`, `<a>&#99999999999999999999;</a>`, `<a>&#;</a>`, `<a>&#x;</a>`,
		"<a>&#x0000000009;</a>", "<a>&#00000000000000000000000065;</a>", "<a>&#x00000000000000000000D800;</a>",
		"<a b=\"&#x000000000000000000000000000000110000;\"/>", "<a>&#1114112;</a>", "<a>&#x41</a>",
		`<a>&unknown;</a>`, `<a>&amp</a>`, `<a>& </a>`, `<a b="&amp"/>`, `<a b="&#60;"/>`, `<a b="<"/>`,
		`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
		// CDATA, comments, processing instructions.
		`<a><![CDATA[]]></a>`, `<a><![CDATA[x]]]]><![CDATA[>]]></a>`, `<a><![CDATA[x</a>`,
		`<![CDATA[x]]><a/>`, `<a/><![CDATA[x]]>`, `<![CDATA[]]><a/>`, "<a/><![CDATA[ \n]]>", `<a>]]></a>`, `<a><![cdata[x]]></a>`,
		`<a><!-- x -- y --></a>`, `<a><!----></a>`, `<a><!---></a>`, `<!-- x --><a/><!-- y -->`,
		"<a><!--\x80\x01\uFFFE--></a>", "<a><?p \x80\x01?></a>",
		`<a><?p x?></a>`, `<a><?xml version="1.0"?></a>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>`,
		`<?xml version="1.1"?><a/>`, ` <?xml version="1.0"?><a/>`, `<?XML version="1.0"?><a/>`,
		// Whitespace, ends and the document's shape.
		"<a\n\tb = 'x' ></a\n>", `<a/><b/>`, `text<a/>`, `<a/>text`, `</a>`, `<a></b>`, `<a b=x/>`, `<a b="x"c="y"/>`,
		// Limits.
		nest(MaxDepth - 1), nest(MaxDepth), nest(MaxDepth + 1),
		attrs(DefaultLimits.MaxAttrs), attrs(DefaultLimits.MaxAttrs + 1),
		nss(DefaultLimits.MaxNamespaces), nss(DefaultLimits.MaxNamespaces + 1),
		"<" + strings.Repeat("n", 4096) + "/>",
	}
}()
