-- Random ids and page numbers in the query string, as a cache-busting test does.
-- Flags: (none)
counter = 0

request = function()
   counter = counter + 1
   local path = string.format("/api/items?id=%d&page=%d&_=%d", math.random(1, 10000), math.random(1, 50), counter)
   return wrk.format(nil, path)
end
