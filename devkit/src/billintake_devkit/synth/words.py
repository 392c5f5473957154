"""Word lists the synthetic bills are made of: invented names, never real companies."""

from __future__ import annotations

VENDOR_FIRST = (
    "Northwind", "Bluebell", "Granite", "Silverline", "Oakridge", "Brightwater", "Redfern",
    "Copperleaf", "Hollowbrook", "Meadowlark", "Stonegate", "Ironbark", "Larkspur", "Driftwood",
    "Amberfield", "Cloudberry", "Foxglove", "Kestrel", "Marigold", "Pinecrest", "Quillon",
    "Rosewater", "Sablewood", "Thistle", "Umberly", "Valemont", "Willowmere", "Zephyrine",
    "Alder", "Birchway", "Cinderby", "Dunmore", "Elmstead", "Fernhill", "Glenrock", "Heathcote",
)
VENDOR_SECOND = (
    "Supplies", "Logistics", "Print Works", "Office Solutions", "Engineering", "Consulting",
    "Hardware", "Trading", "Systems", "Catering", "Electrical", "Cleaning Services", "Studio",
    "Labs", "Packaging", "Timber", "Analytics", "Software", "Freight", "Maintenance",
)
VENDOR_SECOND_DE = (
    "Bürobedarf", "Logistik", "Druckerei", "Technik", "Beratung", "Handel", "Systeme",
    "Elektro", "Gebäudereinigung", "Werkzeuge", "Verpackung", "Holzbau", "Software",
)
VENDOR_SECOND_FR = (
    "Fournitures", "Logistique", "Imprimerie", "Conseil", "Services", "Équipements",
    "Électricité", "Nettoyage", "Emballages", "Informatique", "Transports",
)
VENDOR_SECOND_NL = (
    "Kantoorartikelen", "Logistiek", "Drukkerij", "Techniek", "Advies", "Handel",
    "Installatie", "Schoonmaak", "Verpakkingen", "Houtbouw", "Software",
)
LEGAL_SUFFIX = {
    "en-US": ("Inc.", "LLC", "Corp.", "Co."),
    "en-GB": ("Ltd", "Ltd.", "LLP", "plc"),
    "de-DE": ("GmbH", "GmbH & Co. KG", "AG", "e.K."),
    "fr-FR": ("SARL", "SAS", "SA", "EURL"),
    "nl-NL": ("B.V.", "BV", "V.O.F."),
    "de-CH": ("AG", "GmbH", "SA"),
    "en-IN": ("Pvt Ltd", "Private Limited", "LLP"),
}

CUSTOMER_FIRST = (
    "Harborview", "Lindqvist", "Morrow", "Castellan", "Tidewater", "Juniper", "Ashdown",
    "Westbrook", "Calloway", "Fairhaven", "Brackenridge", "Montclair", "Osterley", "Penhale",
    "Ravensworth", "Summerlee", "Trevanion", "Whitcombe", "Yardley", "Kingsmere",
)
CUSTOMER_SECOND = (
    "Dental Practice", "Architects", "Bakery", "Hotel", "Medical Centre", "Garden Centre",
    "Law Office", "Fitness Club", "Restaurant", "Veterinary Clinic", "School", "Brewery",
    "Design Agency", "Opticians", "Pharmacy", "Car Repairs",
)
PERSON_FIRST = ("Anna", "James", "Lena", "Marc", "Sofia", "Pieter", "Chloé", "Rahul", "Emma",
                "Jonas", "Claire", "David", "Priya", "Lukas", "Inès", "Tom")
PERSON_LAST = ("Becker", "Dupont", "Jansen", "Smith", "Müller", "Martin", "de Vries", "Sharma",
               "Taylor", "Schneider", "Bernard", "Visser", "Brown", "Weber", "Patel", "Lambert")

STREETS = {
    "en": ("Maple Avenue", "High Street", "Station Road", "Church Lane", "Mill Road",
           "Park Street", "Harbour Way", "Kings Road", "Elm Street", "Bridge Street"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Lindenweg", "Industriestraße", "Gartenstraße",
           "Schillerstraße", "Am Markt", "Mühlenweg"),
    "fr": ("rue de la Paix", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire",
           "rue des Lilas", "chemin des Vignes", "place de l'Église"),
    "nl": ("Kerkstraat", "Stationsweg", "Dorpsstraat", "Molenweg", "Havenkade", "Lindelaan",
           "Industrieweg"),
}
CITIES = {
    "en-US": (("Springfield", "IL 62704"), ("Riverton", "WY 82501"), ("Fairview", "OR 97024"),
              ("Madison", "WI 53703"), ("Georgetown", "TX 78626"), ("Salem", "MA 01970")),
    "en-GB": (("Ashford", "TN23 1AB"), ("Kendal", "LA9 4DL"), ("Bristol", "BS1 5TR"),
              ("Leeds", "LS1 4AP"), ("Truro", "TR1 2HE"), ("Hexham", "NE46 1BA")),
    "de-DE": (("Musterstadt", "12345"), ("Hamburg", "20095"), ("Köln", "50667"),
              ("Leipzig", "04109"), ("Freiburg", "79098"), ("Kassel", "34117")),
    "fr-FR": (("Lyon", "69002"), ("Nantes", "44000"), ("Lille", "59000"),
              ("Bordeaux", "33000"), ("Rennes", "35000"), ("Dijon", "21000")),
    "nl-NL": (("Utrecht", "3511 AB"), ("Haarlem", "2011 RX"), ("Zwolle", "8011 CW"),
              ("Delft", "2611 HA"), ("Leiden", "2312 AK"), ("Breda", "4811 XJ")),
    "de-CH": (("Bern", "3011"), ("Luzern", "6003"), ("Winterthur", "8400"),
              ("St. Gallen", "9000"), ("Basel", "4051")),
    "en-IN": (("Pune", "411001"), ("Jaipur", "302001"), ("Kochi", "682011"),
              ("Indore", "452001"), ("Mysuru", "570001")),
}

ITEM_ADJ = ("Premium", "Standard", "Heavy-duty", "Compact", "Recycled", "Stainless", "Wireless",
            "Ergonomic", "Industrial", "Organic", "Deluxe", "Basic", "Foldable", "Waterproof")
ITEM_MATERIAL = ("steel", "oak", "cotton", "aluminium", "paper", "nylon", "ceramic", "glass",
                 "rubber", "bamboo", "copper", "leather")
ITEM_NOUN = ("shelf bracket", "desk lamp", "cable set", "printer paper A4", "storage box",
             "hand towels", "coffee beans 1kg", "safety gloves", "whiteboard markers",
             "toner cartridge", "office chair", "extension cord", "label rolls", "hinge set",
             "mounting screws", "work bench", "floor mats", "file folders", "water filter",
             "door handle", "LED panel", "tape dispenser", "packing foam", "wall clock")
SERVICES = ("Consulting services", "Website maintenance", "Cleaning service", "Delivery charge",
            "Installation labour", "Software licence (annual)", "Design work", "Repair call-out",
            "Training session", "Hosting plan", "Support hours", "Audit preparation",
            "Translation services", "Photography session", "Equipment rental")
SERVICE_DETAIL = ("for March", "on site", "phase 2", "per agreement", "remote", "weekend rate",
                  "as quoted", "including travel", "project Atlas", "ref. ticket 4471")
DETAIL_LINES = ("Serial no. {n}", "Batch {n}", "Delivered {d}", "Order ref. {n}",
                "Colour: graphite, size L", "Incl. mounting kit", "Period {d} to end of month",
                "Technician: {p}")
SECTIONS = {
    "en": ("Hardware", "Services", "Consumables", "Labour", "Materials", "Subscriptions"),
    "de": ("Material", "Dienstleistungen", "Verbrauchsmaterial", "Arbeitszeit", "Hardware"),
    "fr": ("Matériel", "Prestations", "Consommables", "Main-d'oeuvre", "Abonnements"),
    "nl": ("Materiaal", "Diensten", "Verbruiksartikelen", "Arbeid", "Abonnementen"),
}
NOTES = {
    "en": ("Note: prices include packaging.", "Note: goods remain our property until paid.",
           "* Delivered in two shipments."),
    "de": ("Hinweis: Lieferung frei Haus.",
           "Hinweis: Ware bleibt bis zur Bezahlung unser Eigentum.",
           "* Teillieferung erfolgt separat."),
    "fr": ("Remarque : livraison comprise.", "Remarque : marchandise livrée en deux fois.",
           "* Garantie de 12 mois."),
    "nl": ("Opmerking: inclusief verpakking.", "Opmerking: levering in twee delen.",
           "* Garantie 12 maanden."),
}
SHOP_WORDS = ("Corner", "Market", "Café", "Bakery", "Deli", "Kiosk", "Grocer", "Bistro",
              "Hardware", "Pharmacy")
RECEIPT_ITEMS = ("Coffee", "Cappuccino", "Croissant", "Sandwich", "Water 0.5L", "Orange juice",
                 "Bread loaf", "Milk 1L", "Apples", "Batteries AA", "Notebook", "Pens 3pk",
                 "Tea", "Muffin", "Salad bowl", "Soup", "Chocolate bar", "Newspaper")
