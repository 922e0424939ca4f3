"""What each figure in the meeting pack means: the comments on header cells.

One sentence per label, in the planners' words. The labels are the Results columns and Plan Data measures
unchanged, so the same word has the same definition on every sheet.
"""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    # The customer master.
    "Channel": "The customer's sales channel, from the Customers sheet of the demand template.",
    "Region": "The customer's sales region, from the Customers sheet of the demand template.",
    # Volumes.
    "Demand": "Units customers want in the month: the forecast, or the confirmed orders due that month when "
    "they are larger (forecast consumption).",
    "Confirmed orders": "Units of Confirmed commitments requested for delivery in the month.",
    "Shipments": "Units the plan ships to customers in the month.",
    "Production": "Units made in the month on our own resources.",
    "Subcontract": "Units bought from subcontractors in the month (all-in cost per unit).",
    "Opening inventory": "Units on hand at the start of the month (the previous month's closing inventory).",
    "Closing inventory": "Units on hand at the month end = Opening inventory + Production + Subcontract − Shipments.",
    "Backlog": "Units owed to customers at the month end, still to be shipped.",
    "Lost sales": "Units that will never ship: unmet demand of SKUs whose sales are lost, and backlog left at "
    "the end of the horizon.",
    "Safety stock": "The least stock Operations wants on hand at every month end.",
    "Max stock": "The storage limit in units; blank = no limit.",
    "Days of supply": "Closing inventory expressed as days of the following demand.",
    "Unmet units": "Demand the plan cannot ship in its month.",
    "Fill rate": "Shipments ÷ Demand over the horizon.",
    # Money.
    "Revenue": "Shipments × Unit price (the price Sales expects to realise).",
    "Unit price": "The price per unit for this SKU and customer in the month.",
    "Material cost": "Bought-in material of the units produced.",
    "Other variable cost": "Energy, freight and other variable costs of the units produced.",
    "Overtime cost": "Overtime hours × overtime cost per hour, absorbed by the SKUs that use them.",
    "Subcontract cost": "Units subcontracted × the subcontractor's all-in cost per unit.",
    "Holding cost": "Closing inventory × holding cost per unit-month.",
    "Backlog cost": "Backlog × backlog cost per unit-month (discounts and penalties of late delivery).",
    "Variable costs": "Material + Other variable + Overtime + Subcontract + Holding + Backlog cost.",
    "Contribution margin": "Revenue − (Material + Other variable + Overtime + Subcontract + Holding + Backlog "
    "cost). Regular labour is a fixed cost and is not deducted here.",
    "Contribution margin %": "Contribution margin ÷ Revenue.",
    "Regular labour cost": "Regular hours are paid whether used or not; each SKU absorbs the regular hours it "
    "uses at the resource's regular rate.",
    "Margin after labour": "Contribution margin − Regular labour cost absorbed by the SKU.",
    "Unabsorbed labour": "Regular hours paid but not used × the regular rate.",
    "Margin floor %": "The lowest contribution margin Sales accepts for the SKU, as a share of revenue.",
    "Below floor": "Yes when the SKU's contribution margin over the horizon is under its margin floor.",
    "Price to meet floor": "The unit price at which the SKU's margin over the horizon would meet its floor, with "
    "costs unchanged.",
    "Revenue at risk": "Unmet units × unit price: revenue the plan cannot realise as the demand stands.",
    "Revenue vs budget": "Plan revenue − budget revenue over the horizon (negative = below budget).",
    "Budget": "The annual operating plan's figure for the family and month.",
    "Plan": "The consensus plan's figure for the family and month.",
    "Variance": "Plan − Budget.",
    # Capacity.
    "Available hours": "Regular hours available (paid for) in the month.",
    "Overtime limit": "The most overtime hours that may be added in the month.",
    "Overtime hours": "Overtime hours the plan uses in the month.",
    "Used hours": "Hours the planned production takes (regular and overtime).",
    "Required hours": "Hours needed to make all demand in its month, without building ahead.",
    "Utilisation": "Used hours ÷ Available regular hours; above 100% means overtime is used.",
    "Peak utilisation": "The highest monthly utilisation of any resource.",
    "Average utilisation": "The mean monthly utilisation over the horizon.",
    "Shadow price": "What one more hour (or unit of material) in the month would add to contribution margin: "
    "above zero, the constraint is binding.",
    "Highest shadow price": "The largest monthly shadow price of the resource over the horizon.",
    "Available": "Units of the material the supplier can deliver in the month.",
    "Used": "Units of the material the planned production uses.",
    "Required": "Units of the material needed to make all demand in its month.",
    "Material used": "Units of the material the planned production uses.",
    "Material available": "Units of the material the supplier can deliver in the month.",
    # Gaps and decisions.
    "Gap id": "A stable name for the gap, used on the Decisions sheet.",
    "Binding constraint": "The kind of limit that causes the gap: Resource, Material, Launch, Readiness, "
    "Subcontract or Margin.",
    "Constraint": "The resource or material that is full.",
    "Explanation": "Why the gap exists, in plain words, with the value of relaxing the constraint.",
    "Lever": "A way to close the gap: Overtime, Subcontract, Build ahead, Reallocate or Price/demand.",
    "Units closed": "Units of the gap the lever would close.",
    "Cost": "What the lever costs.",
    "Margin effect": "The change in contribution margin if the lever is pulled (cost included).",
    "Owner": "Who brings the decision or owns the item.",
    "Due": "Decide by: the first day of the month before the affected month, not before the cycle month.",
    "Decision": "For the meeting to fill in: the lever chosen, or 'Accept the gap'.",
    "Gap or risk": "What needs a decision: a gap in the plan, an order late or at risk, a launch not ready or a "
    "high-impact risk.",
    "Status": "Still open: the same gap or risk is on this month's list (overdue once its due date has passed). "
    "Closed or changed: it is not, word for word; the meeting confirms which.",
    # Commitments and launches.
    "Check": "On time: the plan ships the order in its month. Late: it ships later. At risk: the plan cannot "
    "ship it within the horizon.",
    "Promise date": "The earliest date the plan can deliver the full quantity.",
    "Days late": "Days between the requested date and the promise date.",
    "Planned on time": "Units of the order the plan ships by the requested month.",
    "RAG": "Green: ready. Amber: ready but with a risk. Red: not ready for the launch month.",
    "Reason": "Why the launch is not green.",
    # Forecast accuracy.
    "MAPE": "Mean absolute percentage error of past forecasts against actual shipments.",
    "Bias": "Mean (forecast − actual) ÷ actual: above zero, the forecast ran high.",
    # Plan Data.
    "Scenario": "Base, Upside or Downside.",
    "Measure": "The figure's name; the same word as on the other sheets (see their header comments).",
    "Value": "The figure, in units, hours or the cycle currency as the measure says.",
    "Month": "The month of the figure (first of month).",
}
