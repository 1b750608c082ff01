-- Think time: wait a random 5 to 25 milliseconds before each request.

function delay()
   return math.random(5, 25)
end
