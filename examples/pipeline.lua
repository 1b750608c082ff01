-- Pipelining: send three requests in one write and wait for their three
-- responses. The batch is built once, in init().

local batch

function init(args)
   local requests = {}
   for i, path in ipairs({ "/first", "/second", "/third" }) do
      requests[i] = wrk.format("GET", path)
   end
   batch = table.concat(requests)
end

function request()
   return batch
end
