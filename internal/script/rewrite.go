package script

import (
	"fmt"

	"github.com/yuin/gopher-lua/ast"
)

// concatName is the local that holds the capped concatenation function in
// every compiled chunk. It is not a valid Lua identifier, so no script can
// name it, shadow it or reassign it.
const concatName = "(concat)"

// maxSyntaxDepth bounds the nesting of statements and expressions, so that
// compiling a pathological chunk cannot exhaust the goroutine stack.
const maxSyntaxDepth = 1000

// rewriteChunk prepares a parsed chunk for the sandbox. Every `a .. b .. c`
// becomes one call concat(a, b, c) to a Go function that enforces the string
// size cap (the VM's own concatenation has no limit), and the chunk becomes
//
//	local (concat) = ...
//	return function(...) <chunk> end
//
// so the function reaches every part of the script as an upvalue, while the
// script's own `...` stays empty as in wrk. Line numbers are kept.
func rewriteChunk(chunk []ast.Stmt) ([]ast.Stmt, error) {
	r := rewriter{}
	r.stmts(chunk, 0)
	if r.err != nil {
		return nil, r.err
	}
	fn := &ast.FunctionExpr{ParList: &ast.ParList{HasVargs: true}, Stmts: chunk}
	first, last := 0, 0
	if len(chunk) > 0 {
		first, last = chunk[0].Line(), chunk[len(chunk)-1].LastLine()
	}
	fn.SetLine(first)
	fn.SetLastLine(last)
	local := &ast.LocalAssignStmt{Names: []string{concatName}, Exprs: []ast.Expr{&ast.Comma3Expr{}}}
	ret := &ast.ReturnStmt{Exprs: []ast.Expr{fn}}
	for _, n := range []ast.PositionHolder{local, local.Exprs[0], ret} {
		n.SetLine(first)
		n.SetLastLine(first)
	}
	return []ast.Stmt{local, ret}, nil
}

type rewriter struct{ err error }

func (r *rewriter) deep(d int, line int) bool {
	if d > maxSyntaxDepth && r.err == nil {
		r.err = fmt.Errorf("%d: chunk has too many syntax levels", line)
	}
	return r.err != nil
}

func (r *rewriter) stmts(list []ast.Stmt, d int) {
	for _, s := range list {
		r.stmt(s, d)
	}
}

func (r *rewriter) exprs(list []ast.Expr, d int) {
	for i := range list {
		list[i] = r.expr(list[i], d)
	}
}

func (r *rewriter) stmt(s ast.Stmt, d int) {
	if r.deep(d, s.Line()) {
		return
	}
	d++
	switch s := s.(type) {
	case *ast.AssignStmt:
		r.exprs(s.Lhs, d)
		r.exprs(s.Rhs, d)
	case *ast.LocalAssignStmt:
		r.exprs(s.Exprs, d)
	case *ast.FuncCallStmt:
		s.Expr = r.expr(s.Expr, d)
	case *ast.DoBlockStmt:
		r.stmts(s.Stmts, d)
	case *ast.WhileStmt:
		s.Condition = r.expr(s.Condition, d)
		r.stmts(s.Stmts, d)
	case *ast.RepeatStmt:
		r.stmts(s.Stmts, d)
		s.Condition = r.expr(s.Condition, d)
	case *ast.IfStmt:
		s.Condition = r.expr(s.Condition, d)
		r.stmts(s.Then, d)
		r.stmts(s.Else, d)
	case *ast.NumberForStmt:
		s.Init = r.expr(s.Init, d)
		s.Limit = r.expr(s.Limit, d)
		if s.Step != nil {
			s.Step = r.expr(s.Step, d)
		}
		r.stmts(s.Stmts, d)
	case *ast.GenericForStmt:
		r.exprs(s.Exprs, d)
		r.stmts(s.Stmts, d)
	case *ast.FuncDefStmt:
		if s.Name != nil {
			if s.Name.Func != nil {
				s.Name.Func = r.expr(s.Name.Func, d)
			}
			if s.Name.Receiver != nil {
				s.Name.Receiver = r.expr(s.Name.Receiver, d)
			}
		}
		r.function(s.Func, d)
	case *ast.ReturnStmt:
		r.exprs(s.Exprs, d)
	}
}

func (r *rewriter) function(f *ast.FunctionExpr, d int) {
	if f != nil {
		r.stmts(f.Stmts, d)
	}
}

// maxConcatArgs bounds the operands of one concat call (a call's arguments
// take registers, of which a function has 250). Longer chains, which Lua
// itself refuses past 200 operands, nest to the left,
// concat(concat(a1, ..., a50), a51, ...), which keeps the evaluation order
// and needs few registers.
const maxConcatArgs = 50

func concatCall(pos ast.Expr, args []ast.Expr) ast.Expr {
	for len(args) > maxConcatArgs {
		first := concatCall(pos, args[:maxConcatArgs])
		args = append([]ast.Expr{first}, args[maxConcatArgs:]...)
	}
	fn := &ast.IdentExpr{Value: concatName}
	call := &ast.FuncCallExpr{Func: fn, Args: args, AdjustRet: true}
	for _, n := range []ast.PositionHolder{fn, call} {
		n.SetLine(pos.Line())
		n.SetLastLine(pos.LastLine())
	}
	return call
}

func (r *rewriter) expr(e ast.Expr, d int) ast.Expr {
	if e == nil || r.deep(d, e.Line()) {
		return e
	}
	d++
	switch x := e.(type) {
	case *ast.StringConcatOpExpr:
		// a .. b .. c parses as a .. (b .. c): collect the right spine
		// iteratively, so a long chain adds no depth.
		var args []ast.Expr
		var cur ast.Expr = x
		for {
			c, ok := cur.(*ast.StringConcatOpExpr)
			if !ok {
				break
			}
			args = append(args, c.Lhs)
			cur = c.Rhs
		}
		args = append(args, cur)
		r.exprs(args, d)
		return concatCall(x, args)
	case *ast.AttrGetExpr:
		x.Object = r.expr(x.Object, d)
		x.Key = r.expr(x.Key, d)
	case *ast.TableExpr:
		for _, f := range x.Fields {
			if f.Key != nil {
				f.Key = r.expr(f.Key, d)
			}
			f.Value = r.expr(f.Value, d)
		}
	case *ast.FuncCallExpr:
		if x.Func != nil {
			x.Func = r.expr(x.Func, d)
		}
		if x.Receiver != nil {
			x.Receiver = r.expr(x.Receiver, d)
		}
		r.exprs(x.Args, d)
	case *ast.LogicalOpExpr:
		x.Lhs = r.expr(x.Lhs, d)
		x.Rhs = r.expr(x.Rhs, d)
	case *ast.RelationalOpExpr:
		x.Lhs = r.expr(x.Lhs, d)
		x.Rhs = r.expr(x.Rhs, d)
	case *ast.ArithmeticOpExpr:
		x.Lhs = r.expr(x.Lhs, d)
		x.Rhs = r.expr(x.Rhs, d)
	case *ast.UnaryMinusOpExpr:
		x.Expr = r.expr(x.Expr, d)
	case *ast.UnaryNotOpExpr:
		x.Expr = r.expr(x.Expr, d)
	case *ast.UnaryLenOpExpr:
		x.Expr = r.expr(x.Expr, d)
	case *ast.FunctionExpr:
		r.function(x, d)
	}
	return e
}
