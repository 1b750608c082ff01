-- Send three requests at a time, pipelined on one connection.
-- Flags: (none)
init = function(args)
   local r = {}
   r[1] = wrk.format(nil, "/")
   r[2] = wrk.format(nil, "/hello")
   r[3] = wrk.format(nil, "/api/items")
   req = table.concat(r)
end

request = function()
   return req
end
