package h1

import "strconv"

// The response head: status line, header fields, and the framing decision they lead to.

// headLine handles one line of a header or trailer section, with its line ending.
func (p *Parser) headLine(line []byte) *Error {
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return newErr(ErrSyntax, "response line ends in a bare LF: "+quote(line))
	}
	l := line[:len(line)-2]
	switch {
	case p.state == stStatus:
		return p.statusLine(l)
	case len(l) == 0 && p.state == stHeader:
		return p.endHead()
	case len(l) == 0: // end of trailers
		p.state = stIdle
		return nil
	}
	name, value, e := splitField(l)
	if e != nil {
		return e
	}
	if p.nfields++; p.nfields > p.maxFields {
		return newErr(ErrTooLarge, "more than "+strconv.Itoa(int(p.maxFields))+" header fields")
	}
	if p.state == stTrailer {
		return nil // trailers never change framing; not captured
	}
	switch len(name) {
	case 14:
		if eqFold(name, "content-length") {
			if e := p.contentLength(value); e != nil {
				return e
			}
		}
	case 17:
		if eqFold(name, "transfer-encoding") {
			if e := p.transferEncoding(value); e != nil {
				return e
			}
		}
	case 10:
		if eqFold(name, "connection") {
			p.connection(value)
		}
	}
	if p.flags&(fCapture|fInterim) == fCapture {
		p.captured().field(name, value)
	}
	return nil
}

// statusLine parses `HTTP/1.x SSS reason`.
func (p *Parser) statusLine(l []byte) *Error {
	if len(l) < 12 || string(l[:7]) != "HTTP/1." || !isDigit(l[7]) || l[8] != ' ' ||
		l[9] < '1' || l[9] > '9' || !isDigit(l[10]) || !isDigit(l[11]) || len(l) > 12 && l[12] != ' ' {
		if len(l) >= 5 && string(l[:5]) == "HTTP/" && (len(l) < 7 || string(l[:7]) != "HTTP/1.") {
			return newErr(ErrSyntax, "unsupported HTTP version in status line "+quote(l))
		}
		return newErr(ErrSyntax, "invalid status line "+quote(l))
	}
	if len(l) > 13 && badValueByte(l[13:]) >= 0 {
		return newErr(ErrSyntax, "invalid status line "+quote(l))
	}
	status := uint16(l[9]-'0')*100 + uint16(l[10]-'0')*10 + uint16(l[11]-'0')
	if status == 101 {
		return newErr(ErrUnexpected, "server switched protocols (101); upgrades are not supported")
	}
	p.status = status
	p.flags &^= fHTTP10 | fInterim
	if l[7] == '0' {
		p.flags |= fHTTP10
	}
	if status < 200 {
		p.flags |= fInterim
	}
	p.state = stHeader
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// contentLength accepts a list of identical decimal values, also across repeated fields.
func (p *Parser) contentLength(v []byte) *Error {
	for rest, more := v, true; more; {
		var el []byte
		el, rest, more = nextElem(rest)
		n, ok := parseDecimal(el)
		if !ok {
			return newErr(ErrFraming, "invalid Content-Length "+quote(v))
		}
		if p.flags&fLength != 0 && n != p.remain {
			return newErr(ErrFraming, "conflicting Content-Length values")
		}
		p.flags |= fLength
		p.remain = n
	}
	return nil
}

// transferEncoding accepts a list of codings of which chunked is the last and only chunked.
func (p *Parser) transferEncoding(v []byte) *Error {
	for rest, more := v, true; more; {
		var el []byte
		el, rest, more = nextElem(rest)
		if !validTokenBytes(el) {
			return newErr(ErrFraming, "invalid Transfer-Encoding "+quote(v))
		}
		if p.flags&fChunkedLast != 0 {
			return newErr(ErrFraming, "chunked is not the final Transfer-Encoding")
		}
		p.flags |= fTE
		if eqFold(el, "chunked") {
			p.flags |= fChunkedLast
		}
	}
	return nil
}

func validTokenBytes(b []byte) bool {
	for _, c := range b {
		if class[c]&cToken == 0 {
			return false
		}
	}
	return len(b) > 0
}

func (p *Parser) connection(v []byte) {
	for rest, more := v, true; more; {
		var el []byte
		el, rest, more = nextElem(rest)
		switch {
		case eqFold(el, "close"):
			p.flags |= fConnClose
		case eqFold(el, "keep-alive"):
			p.flags |= fConnKeep
		}
	}
}

// endHead decides the body framing once the header section is complete (RFC 9112 section 6.3).
func (p *Parser) endHead() *Error {
	f := p.flags
	if f&fInterim != 0 { // a 1xx: its framing fields mean nothing; the final response follows
		p.flags &^= fInterim | fLength | fTE | fChunkedLast | fConnClose | fConnKeep
		p.remain = 0
		p.state = stStatus
		return nil
	}
	if f&fTE != 0 {
		switch {
		case f&fLength != 0:
			return newErr(ErrFraming, "response has both Content-Length and Transfer-Encoding")
		case f&fHTTP10 != 0:
			return newErr(ErrFraming, "HTTP/1.0 response with Transfer-Encoding")
		case f&fChunkedLast == 0:
			return newErr(ErrFraming, "unsupported Transfer-Encoding (the final coding must be chunked)")
		}
	}
	if f&fConnClose == 0 && (f&fHTTP10 == 0 || f&fConnKeep != 0) {
		p.flags |= fKeepAlive
	}
	switch {
	case f&fHead != 0 || p.status == 204 || p.status == 304:
		p.state = stIdle
	case f&fTE != 0:
		p.state = stChunkSize
	case f&fLength != 0:
		p.state = stBody
		if p.remain == 0 {
			p.state = stIdle
		}
	default:
		p.flags &^= fKeepAlive
		p.state = stUntilClose
	}
	return nil
}

// chunkSize handles a chunk-size line; size 0 is the last chunk, followed by trailers.
func (p *Parser) chunkSize(line []byte) *Error {
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return newErr(ErrFraming, "chunk size line ends in a bare LF: "+quote(line))
	}
	size, e := parseChunkLine(line[:len(line)-2])
	if e != nil {
		return e
	}
	if size == 0 {
		p.state, p.nbytes, p.nfields = stTrailer, 0, 0
		return nil
	}
	p.remain, p.state = size, stChunkData
	return nil
}
