-- Define a module inline with package.preload, as single-file scripts sometimes do.
-- Flags: (none)
package.preload["counter"] = function()
   local M = { n = 0 }
   function M.bump() M.n = M.n + 1 return M.n end
   return M
end

local counter = require "counter"
assert(require("counter") == counter, "require must return the same module")

request = function()
   return wrk.format(nil, "/hello?n=" .. counter.bump())
end
